using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry;

namespace Eventing.Observability;

/// <summary>
/// Writes each finished span as one line, <c>span {json}</c>, on standard output: the parent process reads them to
/// check that the trace continued here. Only what the test asserts on: ids, parent, name, kind and links.
/// </summary>
internal sealed class JsonLineSpanExporter(TextWriter output) : BaseExporter<Activity>
{
    public const string Prefix = "span ";

    // Console.Out is synchronized, but one line must not interleave with "ready" or another span.
    private readonly Lock _gate = new();

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var activity in batch)
        {
            var line = Prefix + JsonSerializer.Serialize(ExportedSpan.From(activity));
            lock (_gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        return ExportResult.Success;
    }
}
