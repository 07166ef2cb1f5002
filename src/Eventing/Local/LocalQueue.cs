using System.Threading.Channels;

namespace Eventing.Local;

/// <summary>A bounded in-memory queue; competing consumers read from the same channel.</summary>
internal sealed class LocalQueue(string name, string address, int capacity, bool autoDelete)
{
    private readonly Channel<Envelope> _channel = Channel.CreateBounded<Envelope>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private int _consumers;

    public string Name { get; } = name;

    public string Address { get; } = address;

    public bool AutoDelete { get; } = autoDelete;

    public int Depth => _channel.Reader.Count;

    public ChannelReader<Envelope> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(Envelope envelope, CancellationToken cancellationToken) =>
        _channel.Writer.TryWrite(envelope) ? default : _channel.Writer.WriteAsync(envelope, cancellationToken);

    public ValueTask RequeueAsync(Envelope envelope)
    {
        envelope.Redelivered = true;
        return EnqueueAsync(envelope, CancellationToken.None);
    }

    public void AddConsumer() => Interlocked.Increment(ref _consumers);

    public int RemoveConsumer() => Interlocked.Decrement(ref _consumers);

    public void Complete() => _channel.Writer.TryComplete();
}
