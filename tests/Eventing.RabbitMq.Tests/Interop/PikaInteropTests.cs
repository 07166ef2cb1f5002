using System.Diagnostics;
using System.Text.Json;
using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;

namespace Eventing.RabbitMq.Tests.Interop;

/// <summary>
/// Interop with Debian's python3-pika, a 0-9-1 client we did not write, run as <c>/usr/bin/python3</c>
/// (pika imports only there; .ci/run installs it).
/// </summary>
public sealed class PikaInteropTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task An_event_published_by_pika_reaches_our_listener_with_its_attributes()
    {
        await TestBrokers.EnsureUpAsync();
        var run = Guid.NewGuid().ToString("N");
        var id = Guid.NewGuid().ToString();
        var received = new Collector<(DurableWireEvent Event, Envelope Envelope)>();
        await using var host = await TestHost.StartAsync(new ClassicRabbitMqTarget());
        await using var subscription = await host.Events.SubscribeAsync<DurableWireEvent>("pika-" + run, (e, context, _) =>
        {
            if (e.Run == run)
            {
                received.Add((e, context.Envelope));
            }

            return default;
        });

        using var pika = StartPython("pika_publish.py", TestBrokers.RabbitMqUri, "wire.durable", id, run);
        Assert.Equal("PUBLISHED", await ReadLineAsync(pika));

        await received.WaitForCountAsync(1, Patience, "pika's event at our listener");
        var (@event, envelope) = received.Items[0];
        Assert.Equal("from pika ✓", @event.Text);
        Assert.Equal(id, envelope.Id);
        Assert.Equal("wire.durable", envelope.Type);
        Assert.Equal("/python/pika", envelope.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), envelope.Time);
        Assert.Equal("pika-tenant", envelope.Headers["tenant"]);
    }

    [Fact]
    public async Task Pika_receives_the_body_and_headers_of_an_event_we_send()
    {
        await TestBrokers.EnsureUpAsync();
        using var pika = StartPython("pika_receive.py", TestBrokers.RabbitMqUri, "wire.durable");
        Assert.Equal("READY", await ReadLineAsync(pika));

        await using var host = await TestHost.StartAsync(new ClassicRabbitMqTarget());
        var record = new DurableWireEvent(Guid.NewGuid().ToString("N"), "to pika ✓");
        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(record, [new("tenant", "acme"), new("correlationid", "corr-pika")]);
        var sent = envelope.Clone();
        await host.Sender.SendEnvelopeAsync(envelope, descriptor);

        using var message = JsonDocument.Parse(await ReadLineAsync(pika));
        var root = message.RootElement;
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(record, Web), Convert.FromBase64String(root.GetProperty("body").GetString()!));
        // What a 0-9-1 property carries is not repeated in a ce_ header; every other attribute is one.
        var headers = root.GetProperty("headers");
        foreach (var attribute in sent.GetAttributes())
        {
            if (attribute.Key is "id" or "type" or "datacontenttype" or "correlationid")
            {
                Assert.False(headers.TryGetProperty("ce_" + attribute.Key, out _), $"ce_{attribute.Key} repeats a native property");
            }
            else
            {
                Assert.Equal(attribute.Value, headers.GetProperty("ce_" + attribute.Key).GetString());
            }
        }

        Assert.Equal(sent.Id, root.GetProperty("message_id").GetString());
        Assert.Equal("application/json", root.GetProperty("content_type").GetString());
        Assert.Equal("corr-pika", root.GetProperty("correlation_id").GetString());
        Assert.Equal("wire.durable", root.GetProperty("type").GetString());
        Assert.Equal(2, root.GetProperty("delivery_mode").GetInt32());
    }

    private static Process StartPython(string script, params string[] arguments)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing; install python3-pika (apt-get install python3-pika).");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PYTHONIOENCODING"] = "utf-8";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python} {script}");
        process.StandardInput.Close();
        return process;
    }

    private static async Task<string> ReadLineAsync(Process process)
    {
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Patience);
            if (line is null)
            {
                throw new InvalidOperationException($"python exited ({(process.HasExited ? process.ExitCode : -1)}): {await process.StandardError.ReadToEndAsync()}");
            }

            return line;
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
