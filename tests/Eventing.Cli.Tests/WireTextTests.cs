using System.Text.Json;

namespace Eventing.Cli.Tests;

// An event of this class only: other test classes listen to and send cli.tests.order at the same time, and a
// listener of a shared event also gets their (sometimes undecodable) envelopes.
[Event("cli.tests.wiretext", Durable = true)]
public sealed record WireOrder(int OrderId);

/// <summary>What the CLI prints that came off the wire, as a process against the real brokers.</summary>
public sealed class WireTextTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // ESC [31m would turn the terminal red, ESC [2J clear it, BEL ring it, U+009B is the one-byte C1 CSI.
    private const string Hostile = "\u001b[31m\u0007\u009b2J";

    public static TheoryData<string> Targets => [Target.RabbitMq.Name, Target.StompRabbitMq.Name];

    private static void AssertNoControlCharacters(CliProcess run, string what)
    {
        foreach (var (stream, text) in new[] { ("stdout", run.Stdout), ("stderr", run.Stderr) })
        {
            var at = text.AsSpan().IndexOfAny("\u001b\u0007\u009b");
            Assert.True(at < 0, $"{what} printed a raw control character on {stream}: {run}");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Dead_letter_commands_and_listen_show_control_characters_from_the_wire_without_obeying_them(string name)
    {
        var target = Target.Named(name);
        var flags = await target.FlagsAsync();
        await using var library = await LibraryHost.StartAsync(target, events => events.AddEvent<WireOrder>());
        var listenerName = "esc" + Guid.NewGuid().ToString("N")[..10];
        var queue = "cli.tests.wiretext::" + listenerName;
        var id = "id" + Hostile + Guid.NewGuid().ToString("N")[..8];
        await using (await library.Events.SubscribeAsync<WireOrder>(listenerName, (_, _, _) => ValueTask.CompletedTask))
        {
            // Another event's type on this listener's queue: dead-lettered as unknown-event, the type quoted in the
            // exception message.
            await RawPublisher.PublishToQueueAsync(queue, "application/json", """{"orderId":1}""",
                RawPublisher.CloudEventHeaders(id, "cli.tests.wiretext" + Hostile));
            await library.DeadLetteredAsync(1, Wait);

            var list = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(list.ExitCode == 0, list.ToString());
            AssertNoControlCharacters(list, "dead-letters list");
            var row = Assert.Single(list.StdoutLines).Split('\t');
            Assert.Equal("cli.tests.wiretext\\u001B[31m\\u0007\\u009B2J", row[1]);
            Assert.Equal("unknown-event", row[3]);
            Assert.Contains("\\u001B[31m", row[5], StringComparison.Ordinal);

            var show = await CliProcess.RunAsync(["dead-letters", "show", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(show.ExitCode == 0, show.ToString());
            AssertNoControlCharacters(show, "dead-letters show");
            Assert.True(show.StdoutLines.Length == 1, show.ToString());
            Assert.Equal(id, JsonDocument.Parse(show.StdoutLines[0]).RootElement.GetProperty("id").GetString());

            var replay = await CliProcess.RunAsync(["dead-letters", "replay", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(replay.ExitCode == 0, replay.ToString());
            AssertNoControlCharacters(replay, "dead-letters replay");
            Assert.Equal("id\\u001B[31m\\u0007\\u009B2J" + id[^8..], Assert.Single(replay.StdoutLines));

            // The replayed envelope is still another event's: dead-lettered again, then purged.
            await library.DeadLetteredAsync(1, Wait);
            var purge = await CliProcess.RunAsync(["dead-letters", "purge", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(purge.ExitCode == 0, purge.ToString());
            AssertNoControlCharacters(purge, "dead-letters purge");
            Assert.Single(purge.StdoutLines);
        }

        var @event = "cli.tests." + Guid.NewGuid().ToString("N")[..12];
        await using var listen = CliProcess.Start(["listen", .. flags, "--event", @event, "--listener", "esc", "--per-process", "--count", "1", "--timeout", "60"]);
        await listen.StderrLineAsync("listening on", Wait);
        var headers = RawPublisher.CloudEventHeaders(id, @event);
        headers["ce_tenant"] = "acme" + Hostile;
        await RawPublisher.PublishAsync(@event, "application/json", "{\"note\":\"" + "\\u001b[31m" + "\"}", headers);
        await listen.WaitForExitAsync(Wait);
        Assert.True(listen.ExitCode == 0, listen.ToString());
        AssertNoControlCharacters(listen, "listen");
        Assert.Equal("acme" + Hostile, JsonDocument.Parse(Assert.Single(listen.StdoutLines)).RootElement.GetProperty("tenant").GetString());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Listen_prints_an_envelope_it_cannot_decode_as_undecodable_and_goes_on_to_the_next(string name)
    {
        var flags = await Target.Named(name).FlagsAsync();
        var @event = "cli.tests." + Guid.NewGuid().ToString("N")[..12];
        await using var listen = CliProcess.Start(["listen", .. flags, "--event", @event, "--listener", "undecodable", "--per-process", "--count", "2", "--timeout", "60"]);
        await listen.StderrLineAsync("listening on", Wait);

        var bad = "bad-" + Guid.NewGuid();
        var good = "good-" + Guid.NewGuid();
        await RawPublisher.PublishAsync(@event, "application/cloudevents+json",
            $$"""{"specversion":"1.0","id":"{{bad}}","type":"{{@event}}","source":"/tests/raw","data_base64":5}""", new Dictionary<string, object?>());
        await RawPublisher.PublishAsync(@event, "application/json", """{"orderId":2}""", RawPublisher.CloudEventHeaders(good, @event));

        await listen.WaitForExitAsync(Wait);
        Assert.True(listen.ExitCode == 0, listen.ToString());
        var lines = listen.StdoutLines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.False(string.IsNullOrWhiteSpace(lines[0].GetProperty("undecodable").GetString()), listen.ToString());
        Assert.Equal("application/octet-stream", lines[0].GetProperty("datacontenttype").GetString());
        Assert.Contains("\"data_base64\":5", System.Text.Encoding.UTF8.GetString(lines[0].GetProperty("data_base64").GetBytesFromBase64()), StringComparison.Ordinal);
        Assert.Contains("could not be decoded", listen.Stderr, StringComparison.Ordinal);
        Assert.Equal(good, lines[1].GetProperty("id").GetString());
        Assert.Equal(2, lines[1].GetProperty("data").GetProperty("orderId").GetInt32());
    }

    // The STOMP provider (on RabbitMQ, where RabbitMQ.Client can put the raw structured body on the queue). The
    // other providers map structured dead letters on their own.
    [Fact]
    public async Task Dead_letters_list_shows_the_reason_of_a_structured_envelope_the_stomp_provider_dead_lettered()
    {
        var target = Target.StompRabbitMq;
        var flags = await target.FlagsAsync();
        await using var library = await LibraryHost.StartAsync(target, events => events.AddEvent<WireOrder>());
        var listenerName = "structured" + Guid.NewGuid().ToString("N")[..10];
        var queue = "cli.tests.wiretext::" + listenerName;
        await using (await library.Events.SubscribeAsync<WireOrder>(listenerName, (_, _, _) => ValueTask.CompletedTask))
        {
            await RawPublisher.PublishToQueueAsync(queue, "application/cloudevents+json",
                """{"specversion":"1.0","id":"s-1","type":"cli.tests.wiretext","source":"/tests/raw","data_base64":5}""", new Dictionary<string, object?>());
            await library.DeadLetteredAsync(1, Wait);

            var list = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(list.ExitCode == 0, list.ToString());
            var row = Assert.Single(list.StdoutLines).Split('\t');
            Assert.Equal("malformed", row[3]);
            Assert.Equal("0", row[4]);
            Assert.NotEqual(": ", row[5]);
        }
    }
}
