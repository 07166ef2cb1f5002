using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Eventing.Amqp.Tests.Infrastructure;

namespace Eventing.Amqp.Tests.Interop;

/// <summary>Interop with a peer we did not write: Debian's python3-qpid-proton, in both directions.</summary>
public sealed class ProtonInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_event_sent_by_proton_reaches_an_Amqp_listener_with_every_attribute()
    {
        var eventName = ProviderHarness.Unique("proton.in");
        await using var provider = await ProviderHarness.StartAsync();
        var listener = new ListenerDescriptor(new EventDescriptor(eventName, durable: true), "proton", perProcess: false, processId: "p");
        var recorder = new Recorder();
        await using var subscription = await provider.SubscribeAsync(listener, recorder, CancellationToken.None);

        var id = Guid.NewGuid().ToString();
        await RunPythonAsync("proton_send.py", Broker.AmqpUri.ToString(), "/topic/" + eventName, id, eventName, "{\"orderId\":7}");

        var envelope = (await recorder.WaitForAsync(1, Patience))[0];
        Assert.Equal(id, envelope.Id);
        Assert.Equal(eventName, envelope.Type);
        Assert.Equal("/python/proton", envelope.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, 500, TimeSpan.Zero), envelope.Time);
        Assert.Equal("application/json", envelope.DataContentType);
        Assert.Equal("proton-corr", envelope.CorrelationId);
        Assert.Equal("acme", envelope.Headers["tenant"]);
        Assert.Equal("{\"orderId\":7}", Encoding.UTF8.GetString(envelope.Body.Span));
    }

    [Fact]
    public async Task An_event_sent_by_Amqp_reaches_proton_with_every_attribute_as_a_string_property_and_the_content_type_native()
    {
        var envelope = Integration.WireTests.NewEnvelope(ProviderHarness.Unique("proton.out"));
        await using var rabbit = await Rabbit091.ConnectAsync();
        var queue = await rabbit.BindQueueAsync(envelope.Type);
        await using (var provider = await ProviderHarness.StartAsync())
        {
            await provider.SendAsync(envelope, new EventDescriptor(envelope.Type, durable: true), CancellationToken.None);
        }

        var output = await RunPythonAsync("proton_receive.py", Broker.AmqpUri.ToString(), "/amq/queue/" + queue);
        await rabbit.Channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        using var seen = JsonDocument.Parse(output);
        var root = seen.RootElement;
        Assert.Equal(envelope.Id, root.GetProperty("id").GetString());
        Assert.Equal("application/json", root.GetProperty("content_type").GetString());
        Assert.Equal("corr-1", root.GetProperty("correlation_id").GetString());
        Assert.True(root.GetProperty("durable").GetBoolean());
        Assert.Equal("bytes", root.GetProperty("body_type").GetString());
        Assert.Equal(Encoding.UTF8.GetString(envelope.Body.Span), root.GetProperty("body").GetString());
        var properties = root.GetProperty("properties");
        var types = root.GetProperty("property_types");
        foreach (var attribute in envelope.GetAttributes())
        {
            // The CloudEvents AMQP binding: datacontenttype is the content-type property only (checked above).
            if (attribute.Key == "datacontenttype")
            {
                Assert.False(properties.TryGetProperty("cloudEvents_datacontenttype", out _));
                continue;
            }

            Assert.Equal(attribute.Value, properties.GetProperty("cloudEvents_" + attribute.Key).GetString());
            Assert.Equal("str", types.GetProperty("cloudEvents_" + attribute.Key).GetString());
        }
    }

    private static async Task<string> RunPythonAsync(string script, params string[] arguments)
    {
        // Debian's proton module imports only under the system interpreter, not a python3 earlier on PATH.
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}: {await error}");
        return await output;
    }
}
