using System.CommandLine;
using System.Text;
using System.Text.Json;
using Eventing.Cli.Configuration;
using Eventing.Cli.Output;
using Eventing.Cli.Providers;

namespace Eventing.Cli.Commands;

/// <summary><c>eventing send</c>: sends CloudEvents by event name, without the event's C# type.</summary>
internal static class SendCommand
{
    public static readonly string[] Examples =
    [
        "eventing send -p rabbitmq -b amqp://guest:guest@127.0.0.1:5672/ --event orders.placed --json '{\"orderId\":42}'",
        "eventing send -p stomp -b stomp://admin:admin@127.0.0.1:61613 --event orders.placed --durable --header tenant=acme --file order.json",
        "echo '{\"orderId\":42}' | EVENTING_PROVIDER=amqp EVENTING_BROKER=amqp://guest:guest@127.0.0.1:5672 eventing send --event orders.placed --structured",
        "eventing send -p rabbitmq -b amqp://127.0.0.1 --event orders.placed --json '{}' --count 10000",
    ];

    public static Command Create(ConnectionOptions connection)
    {
        var @event = new Option<string>("--event", "-e") { Description = "The event name (CloudEvents type and broker address), e.g. orders.placed.", Required = true, HelpName = "NAME" };
        var durable = new Option<bool>("--durable") { Description = "Persistent message, confirmed by the broker before the id is printed." };
        var headers = new Option<string[]>("--header", "-H")
        {
            Description = "An extension attribute name=value (name: 1-20 of a-z0-9). Repeatable.",
            HelpName = "k=v",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<string?>("--json") { Description = "The data as JSON text.", HelpName = "JSON" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read the data from a JSON file.", HelpName = "FILE" };
        var count = new Option<int>("--count", "-n") { Description = "How many events to send (each with its own id). Default 1.", DefaultValueFactory = _ => 1, HelpName = "N" };
        var structured = new Option<bool>("--structured") { Description = "Structured content mode: the whole CloudEvent in the body (needed across AMQP 1.0 and 0-9-1/STOMP on RabbitMQ 3.x)." };
        var source = new Option<string>("--source") { Description = "The CloudEvents source. Default /eventing/cli.", DefaultValueFactory = _ => "/eventing/cli", HelpName = "URI" };
        var id = new Option<string?>("--id") { Description = "The message id (only with --count 1). Default: a new GUID.", HelpName = "ID" };

        var command = new Command("send", "Send CloudEvents to an event's address (binary mode by default; data from --json, --file or stdin). Prints the message ids.")
        {
            @event, durable, headers, json, file, count, structured, source, id,
        };
        connection.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(result, async ct =>
        {
            var settings = connection.Resolve(result);
            var n = result.GetValue(count);
            if (n < 1)
            {
                throw new UsageException($"--count is {n}; it must be at least 1.");
            }

            var messageId = result.GetValue(id);
            if (messageId is not null && n > 1)
            {
                throw new UsageException("--id can only be used with --count 1: every message needs its own id.");
            }

            var descriptor = new EventDescriptor(result.GetRequiredValue(@event), result.GetValue(durable),
                result.GetValue(structured) ? ContentMode.Structured : ContentMode.Binary);
            var body = await ReadBodyAsync(result.GetValue(json), result.GetValue(file), ct).ConfigureAwait(false);
            var extensions = ParseHeaders(result.GetValue(headers) ?? []);
            var sourceValue = result.GetRequiredValue(source);

            // Build the first envelope before connecting, so a bad header is a usage error without a broker.
            var prototype = CreateEnvelope(descriptor, body, extensions, sourceValue, messageId);

            await using var owned = ProviderFactory.Create(settings);
            var provider = owned.Provider;
            await owned.StartAsync(ct).ConfigureAwait(false);
            var ids = new List<string>(Math.Min(n, 100_000));
            await Terminal.ProgressAsync($"sending {descriptor.Name}", n, async advance =>
            {
                for (var i = 0; i < n; i++)
                {
                    var envelope = i == 0 ? prototype : CreateEnvelope(descriptor, body, extensions, sourceValue, null);
                    var wire = descriptor.ContentMode == ContentMode.Structured ? StructuredCloudEvent.ToStructured(envelope) : envelope;
                    await provider.SendAsync(wire, descriptor, ct).ConfigureAwait(false);
                    if (Terminal.Interactive && n > 1)
                    {
                        ids.Add(envelope.Id);
                    }
                    else
                    {
                        Terminal.Line(envelope.Id);
                    }

                    advance();
                }
            }).ConfigureAwait(false);

            foreach (var sent in ids)
            {
                Terminal.Line(sent);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Envelope CreateEnvelope(EventDescriptor descriptor, byte[] body, List<KeyValuePair<string, string>> headers, string source, string? id)
    {
        var envelope = new Envelope(descriptor.Name, body) { Source = source };
        if (id is not null)
        {
            envelope.Id = id;
        }

        foreach (var header in headers)
        {
            // Checked against the CloudEvents rules here: a bad name is an InvalidHeaderException naming it.
            envelope.Headers[header.Key] = header.Value;
        }

        return envelope;
    }

    private static List<KeyValuePair<string, string>> ParseHeaders(string[] values)
    {
        var headers = new List<KeyValuePair<string, string>>(values.Length);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--header '{value}' is not name=value, e.g. --header tenant=acme.");
            }

            headers.Add(new(value[..equals], value[(equals + 1)..]));
        }

        return headers;
    }

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private static async Task<byte[]> ReadBodyAsync(string? json, FileInfo? file, CancellationToken cancellationToken)
    {
        if (json is not null && file is not null)
        {
            throw new UsageException("Give the data with either --json or --file, not both.");
        }

        byte[] body;
        string origin;
        if (json is not null)
        {
            body = Encoding.UTF8.GetBytes(json);
            origin = "--json";
        }
        else if (file is not null)
        {
            if (!file.Exists)
            {
                throw new UsageException($"--file '{file.FullName}' does not exist.");
            }

            body = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
            origin = "--file " + file.Name;
        }
        else if (Console.IsInputRedirected)
        {
            using var input = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            body = buffer.ToArray();
            origin = "stdin";
        }
        else
        {
            throw new UsageException("No data given. Pass --json '{...}', --file FILE, or pipe the JSON into stdin.");
        }

        if (body.AsSpan().StartsWith(Utf8Bom))
        {
            body = body[Utf8Bom.Length..];
        }

        try
        {
            using var document = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            throw new UsageException($"The data from {origin} is not JSON: {exception.Message}");
        }

        return body;
    }
}
