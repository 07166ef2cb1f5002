using Eventing.Conformance;
using Eventing.Local;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Local.Tests;

/// <summary>
/// The in-process provider as a conformance target: every host of a test class shares one <see cref="LocalBroker"/>,
/// standing in for processes on one broker. It has no broker to restart and no credentials, so it implements
/// neither <see cref="IRestartableBroker"/> nor <see cref="IAuthenticatingBroker"/> and does not get those tests.
/// </summary>
public sealed class LocalTarget : ConformanceTarget
{
    private readonly Lazy<IProvider> _raw;

    public LocalTarget()
    {
        // A provider of its own on the shared broker sends envelopes built here, past serialization and pipelines.
        _raw = new Lazy<IProvider>(() => new ServiceCollection()
            .AddEventing(events => events.UseLocal(local => local.Broker = Broker))
            .BuildServiceProvider()
            .GetRequiredService<IProvider>());
    }

    public LocalBroker Broker { get; } = new();

    public override string Name => "local";

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseLocal(local => local.Broker = Broker);
    }

    public override async Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var envelope = new Envelope(string.Empty, body.ToArray());
        foreach (var attribute in attributes)
        {
            Assert.True(envelope.TrySetAttribute(attribute.Key, attribute.Value), $"raw attribute {attribute.Key}");
        }

        await _raw.Value.SendAsync(envelope, new EventDescriptor(eventName, durable), cancellationToken);
    }

    public override async Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The local broker has no notification for dead letters; it is in memory, so checking often is cheap.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var letters = Broker.GetDeadLetters(queue);
            if (letters.Count >= count)
            {
                return letters;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{letters.Count} of {count} dead letters arrived in {queue}.dead-letter within {timeout}.");
            }
        }
    }
}
