using System.Text.Json;

namespace Eventing.Cli.Tests;

/// <summary>The CLI as a process against the real brokers.</summary>
public sealed class CliTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Cli_send_reaches_cli_listen(string name)
    {
        var target = Target.Named(name);
        var flags = await target.FlagsAsync();
        var @event = "cli.tests." + Guid.NewGuid().ToString("N")[..12];
        await using var listen = CliProcess.Start([
            "listen", .. flags, "--event", @event, "--listener", "watch", "--per-process", "--count", "2", "--timeout", "60"]);
        await listen.StderrLineAsync("listening on", Wait);

        var send = await CliProcess.RunAsync([
            "send", .. flags, "--event", @event, "--durable", "--header", "tenant=acme", "--header", "correlationid=c-42", "--count", "2",
            "--json", """{"orderId":7,"note":"x"}"""]);
        Assert.True(send.ExitCode == 0, send.ToString());
        var ids = send.StdoutLines;
        Assert.Equal(2, ids.Length);

        await listen.WaitForExitAsync(Wait);
        Assert.True(listen.ExitCode == 0, listen.ToString());
        var received = listen.StdoutLines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(ids, received.Select(json => json.GetProperty("id").GetString()));
        foreach (var json in received)
        {
            Assert.Equal(@event, json.GetProperty("type").GetString());
            Assert.Equal("/eventing/cli", json.GetProperty("source").GetString());
            Assert.Equal("acme", json.GetProperty("tenant").GetString());
            Assert.Equal("c-42", json.GetProperty("correlationid").GetString());
            Assert.Equal(7, json.GetProperty("data").GetProperty("orderId").GetInt32());
            Assert.True(json.TryGetProperty("time", out _));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Structured_cli_send_reaches_cli_listen_with_its_attributes(string name)
    {
        var target = Target.Named(name);
        var flags = await target.FlagsAsync();
        var @event = "cli.tests." + Guid.NewGuid().ToString("N")[..12];
        await using var listen = CliProcess.Start(["listen", .. flags, "--event", @event, "--listener", "watch", "--per-process", "--count", "1", "--timeout", "60"]);
        await listen.StderrLineAsync("listening on", Wait);

        var send = await CliProcess.RunAsync(["send", .. flags, "--event", @event, "--structured", "--header", "tenant=acme"], stdin: """{"orderId":8}""");
        Assert.True(send.ExitCode == 0, send.ToString());

        await listen.WaitForExitAsync(Wait);
        Assert.True(listen.ExitCode == 0, listen.ToString());
        var json = JsonDocument.Parse(Assert.Single(listen.StdoutLines)).RootElement;
        Assert.Equal(Assert.Single(send.StdoutLines), json.GetProperty("id").GetString());
        Assert.Equal("acme", json.GetProperty("tenant").GetString());
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
        Assert.Equal(8, json.GetProperty("data").GetProperty("orderId").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Library_send_reaches_cli_listen_with_every_header(string name)
    {
        var target = Target.Named(name);
        await using var library = await LibraryHost.StartAsync(target);
        await using var listen = CliProcess.Start([
            "listen", .. await target.FlagsAsync(), "--event", "cli.tests.order", "--listener", "watch", "--per-process", "--count", "1", "--timeout", "60"]);
        await listen.StderrLineAsync("listening on", Wait);

        var traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        await library.Events.SendAsync(new CliOrder(11, "from the library"),
            [new("tenant", "acme"), new("correlationid", "c-11"), new("traceparent", traceParent), new("session", "s-1")]);

        await listen.WaitForExitAsync(Wait);
        Assert.True(listen.ExitCode == 0, listen.ToString());
        var json = JsonDocument.Parse(Assert.Single(listen.StdoutLines)).RootElement;
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal("cli.tests.order", json.GetProperty("type").GetString());
        Assert.True(Guid.TryParse(json.GetProperty("id").GetString(), out _));
        Assert.StartsWith("/eventing/", json.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(json.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < TimeSpan.FromMinutes(1));
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
        Assert.Equal("acme", json.GetProperty("tenant").GetString());
        Assert.Equal("c-11", json.GetProperty("correlationid").GetString());
        Assert.Equal(traceParent, json.GetProperty("traceparent").GetString());
        Assert.Equal("s-1", json.GetProperty("session").GetString());
        Assert.Equal(11, json.GetProperty("data").GetProperty("orderId").GetInt32());
        Assert.Equal("from the library", json.GetProperty("data").GetProperty("note").GetString());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Cli_send_reaches_a_library_listener_with_every_header(string name)
    {
        var target = Target.Named(name);
        await using var library = await LibraryHost.StartAsync(target);
        var received = new TaskCompletionSource<(CliOrder Order, EventContext Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await library.Events.SubscribeAsync<CliOrder>("app", (order, context, _) =>
        {
            received.TrySetResult((order, context));
            return ValueTask.CompletedTask;
        }, perProcess: true);

        var traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var id = Guid.NewGuid().ToString();
        var send = await CliProcess.RunAsync([
            "send", .. await target.FlagsAsync(), "--event", "cli.tests.order", "--id", id, "--source", "/tests/cli",
            "--header", "tenant=acme", "--header", "correlationid=c-12", "--header", "traceparent=" + traceParent,
            "--json", """{"orderId":12,"note":"from the cli"}"""]);
        Assert.True(send.ExitCode == 0, send.ToString());
        Assert.Equal(id, Assert.Single(send.StdoutLines));

        var (order, context) = await received.Task.WaitAsync(Wait);
        Assert.Equal(new CliOrder(12, "from the cli"), order);
        Assert.Equal(id, context.MessageId);
        Assert.Equal("cli.tests.order", context.Envelope.Type);
        Assert.Equal("/tests/cli", context.Envelope.Source);
        Assert.True(DateTimeOffset.UtcNow - context.Envelope.Time < TimeSpan.FromMinutes(1));
        Assert.Equal("acme", context.Headers["tenant"]);
        Assert.Equal("c-12", context.Envelope.CorrelationId);
        Assert.Equal(traceParent, context.Headers["traceparent"]);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Dead_letter_replay_reaches_the_fixed_listener_with_the_original_headers(string name)
    {
        var target = Target.Named(name);
        var flags = await target.FlagsAsync();
        await using var library = await LibraryHost.StartAsync(target);
        var listenerName = "dl" + Guid.NewGuid().ToString("N")[..10];
        var queue = "cli.tests.order::" + listenerName;
        var fixedListener = false;
        var replayed = new TaskCompletionSource<EventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await library.Events.SubscribeAsync<CliOrder>(listenerName, (order, context, _) =>
        {
            if (!Volatile.Read(ref fixedListener))
            {
                throw new InvalidOperationException("billing is down");
            }

            replayed.TrySetResult(context);
            return ValueTask.CompletedTask;
        }))
        {
            await library.Events.SendAsync(new CliOrder(13, "fails first"), [new("tenant", "acme"), new("correlationid", "c-13")]);
            await library.DeadLettered.WaitAsync(Wait);

            var list = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(list.ExitCode == 0, list.ToString());
            var row = Assert.Single(list.StdoutLines).Split('\t');
            var id = row[0];
            Assert.Equal("cli.tests.order", row[1]);
            Assert.Equal("failed", row[3]);
            Assert.Equal("1", row[4]);
            Assert.Contains("billing is down", row[5], StringComparison.Ordinal);

            // Listing gave it back: show still finds it, with the failure headers.
            var show = await CliProcess.RunAsync(["dead-letters", "show", .. flags, "--queue", queue + ".dead-letter", "--id", id, "--wait", "3"]);
            Assert.True(show.ExitCode == 0, show.ToString());
            var shown = JsonDocument.Parse(Assert.Single(show.StdoutLines)).RootElement;
            Assert.Equal("acme", shown.GetProperty("tenant").GetString());
            Assert.Equal(queue, shown.GetProperty("failedlistener").GetString());
            Assert.Equal("System.InvalidOperationException", shown.GetProperty("exceptiontype").GetString());

            Volatile.Write(ref fixedListener, true);
            var replay = await CliProcess.RunAsync(["dead-letters", "replay", .. flags, "--queue", queue, "--wait", "3"]);
            Assert.True(replay.ExitCode == 0, replay.ToString());
            Assert.Equal(id, Assert.Single(replay.StdoutLines));

            var context = await replayed.Task.WaitAsync(Wait);
            Assert.Equal(id, context.MessageId);
            Assert.Equal("acme", context.Headers["tenant"]);
            Assert.Equal("c-13", context.Envelope.CorrelationId);
            Assert.Equal(1, context.DeliveryAttempt);
            foreach (var header in new[] { "deadletterreason", "exceptiontype", "exceptionmessage", "failedlistener", "failedat", "deliveryattempt" })
            {
                Assert.False(context.Headers.ContainsKey(header), $"the replayed envelope still has '{header}'");
            }

            var after = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue, "--wait", "2"]);
            Assert.True(after.ExitCode == 0, after.ToString());
            Assert.Empty(after.StdoutLines);
        }
    }

    [Fact]
    public async Task Purge_removes_only_the_given_dead_letter()
    {
        var target = Target.RabbitMq;
        var flags = await target.FlagsAsync();
        await using var library = await LibraryHost.StartAsync(target);
        var listenerName = "purge" + Guid.NewGuid().ToString("N")[..10];
        var queue = "cli.tests.order::" + listenerName;
        await using (await library.Events.SubscribeAsync<CliOrder>(listenerName, (_, _, _) => throw new InvalidOperationException("always fails")))
        {
            await library.Events.SendAsync(new CliOrder(14, "purged"));
            await library.DeadLettered.WaitAsync(Wait);
            var list = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue]);
            var id = Assert.Single(list.StdoutLines).Split('\t')[0];

            var purge = await CliProcess.RunAsync(["dead-letters", "purge", .. flags, "--queue", queue, "--id", id]);
            Assert.True(purge.ExitCode == 0, purge.ToString());
            Assert.Equal(id, Assert.Single(purge.StdoutLines));
            var after = await CliProcess.RunAsync(["dead-letters", "list", .. flags, "--queue", queue]);
            Assert.Empty(after.StdoutLines);
        }
    }

    [Theory]
    [InlineData("rabbitmq", "orders.placed::nobody", "There is no queue 'orders.placed::nobody.dead-letter'")]
    [InlineData("amqp-rabbitmq", "orders.placed::nobody", "orders.placed::nobody.dead-letter")]
    public async Task Dead_letters_of_a_listener_without_a_queue_is_a_usage_error_naming_the_queue(string name, string listener, string expected)
    {
        var target = Target.Named(name);
        var missing = listener + Guid.NewGuid().ToString("N")[..8];
        var run = await CliProcess.RunAsync(["dead-letters", "list", .. await target.FlagsAsync(), "--queue", missing, "--wait", "1"]);

        // The provider refuses (InvalidOperationException); the CLI says so as a usage error, not an unexpected one.
        AssertOneLineError(run, ExitCode: 1, expected.Replace("orders.placed::nobody", missing, StringComparison.Ordinal));
        Assert.DoesNotContain("unexpected error", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rabbitmq", "EVENTING_RABBITMQ_BAD_URI", "amqp://guest:***@127.0.0.1")]
    [InlineData("stomp", "EVENTING_ACTIVEMQ_STOMP_BAD_URI", "stomp://admin:***@127.0.0.1")]
    public async Task Bad_credentials_exit_2_with_one_line_naming_the_endpoint(string provider, string variable, string endpoint)
    {
        var uri = Environment.GetEnvironmentVariable(variable) ?? (variable == "EVENTING_RABBITMQ_BAD_URI"
            ? (await TestBrokers.GetAsync("EVENTING_RABBITMQ_URI")).Replace("guest:guest", "guest:wrong", StringComparison.Ordinal)
            : (await TestBrokers.GetAsync("EVENTING_ACTIVEMQ_STOMP_URI")).Replace("admin:admin", "admin:wrong", StringComparison.Ordinal));
        var run = await CliProcess.RunAsync(["send", "--provider", provider, "--broker", uri, "--event", "cli.tests.bad", "--json", "{}"]);
        AssertOneLineError(run, ExitCode: 2, endpoint);
        Assert.DoesNotContain("wrong", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_that_is_not_there_exits_2_with_one_line_naming_the_endpoint()
    {
        await TestBrokers.GetAsync("EVENTING_RABBITMQ_URI");
        var run = await CliProcess.RunAsync([
            "listen", "--provider", "rabbitmq", "--broker", "amqp://guest:secret@127.0.0.1:1/", "--event", "cli.tests.bad", "--listener", "x", "--timeout", "5"]);
        AssertOneLineError(run, ExitCode: 2, "amqp://guest:***@127.0.0.1:1/");
        Assert.DoesNotContain("secret", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_broker_uri_is_a_usage_error()
    {
        var run = await CliProcess.RunAsync(["send", "--provider", "rabbitmq", "--broker", "not a uri", "--event", "cli.tests.bad", "--json", "{}"]);
        AssertOneLineError(run, ExitCode: 1, "not a broker URI");
    }

    [Fact]
    public async Task Unknown_provider_is_a_usage_error()
    {
        var run = await CliProcess.RunAsync(["send", "--provider", "kafka", "--broker", "amqp://127.0.0.1/", "--event", "cli.tests.bad", "--json", "{}"]);
        AssertOneLineError(run, ExitCode: 1, "Unknown provider 'kafka'");
    }

    [Fact]
    public async Task Unknown_provider_from_the_environment_is_a_usage_error()
    {
        var run = await CliProcess.RunAsync(["send", "--event", "cli.tests.bad", "--json", "{}"],
            new Dictionary<string, string> { ["EVENTING_PROVIDER"] = "kafka", ["EVENTING_BROKER"] = "amqp://127.0.0.1/" });
        AssertOneLineError(run, ExitCode: 1, "Unknown provider 'kafka'");
    }

    [Fact]
    public async Task Settings_come_from_the_environment_and_the_settings_file()
    {
        var uri = await TestBrokers.GetAsync("EVENTING_RABBITMQ_URI");
        var file = Path.Combine(Path.GetTempPath(), $"eventing-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, $$"""{ "Eventing": { "Provider": "rabbitmq", "Broker": "{{uri}}" } }""");
        try
        {
            var @event = "cli.tests." + Guid.NewGuid().ToString("N")[..12];
            await using var listen = CliProcess.Start(["listen", "--config", file, "--event", @event, "--listener", "w", "--per-process", "--count", "1", "--timeout", "60"]);
            await listen.StderrLineAsync("listening on", Wait);
            var send = await CliProcess.RunAsync(["send", "--event", @event, "--json", "{}"],
                new Dictionary<string, string> { ["EVENTING_PROVIDER"] = "rabbitmq", ["EVENTING_BROKER"] = uri });
            Assert.True(send.ExitCode == 0, send.ToString());
            await listen.WaitForExitAsync(Wait);
            Assert.True(listen.ExitCode == 0, listen.ToString());
            Assert.Contains(Assert.Single(send.StdoutLines), listen.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Listen_that_gets_too_few_envelopes_exits_3()
    {
        var flags = await Target.RabbitMq.FlagsAsync();
        var run = await CliProcess.RunAsync(["listen", .. flags, "--event", "cli.tests." + Guid.NewGuid().ToString("N")[..12], "--listener", "w", "--per-process",
            "--count", "1", "--timeout", "1"]);
        AssertOneLineError(run, ExitCode: 3, "received 0 of 1");
    }

    [Fact]
    public async Task Help_of_every_command_shows_examples()
    {
        foreach (var command in new[] { "send", "listen", "topology", "dead-letters", "dead-letters list", "dead-letters show", "dead-letters replay", "dead-letters purge", "outbox flush" })
        {
            var run = await CliProcess.RunAsync([.. command.Split(' '), "--help"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Examples:", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("eventing " + command.Split(' ')[0], run.Stdout, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> Targets => Target.All;

    private static void AssertOneLineError(CliProcess run, int ExitCode, string expected) => CliAssert.OneLineError(run, ExitCode, expected);
}
