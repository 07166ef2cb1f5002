using System.IO.Pipelines;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Client.Connections;

/// <summary>The read side of a connection: decodes frames as bytes arrive and notes when the peer was last heard from.</summary>
internal sealed class FrameReader(PipeReader input, StompLimits limits, string endpoint)
{
    private readonly StompFrameDecoder _decoder = new(limits);
    private long _lastReceived = Environment.TickCount64;

    /// <summary>When bytes last arrived (<see cref="Environment.TickCount64"/>), heart-beats included.</summary>
    public long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>Reads the one frame that answers CONNECT.</summary>
    /// <exception cref="StompConnectionLostException">The peer closed the connection first.</exception>
    public async Task<StompFrame> ReadOneAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var decoded = _decoder.TryDecode(ref buffer, out var frame);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (decoded)
            {
                return frame!;
            }

            if (result.IsCompleted)
            {
                throw new StompConnectionLostException($"{endpoint} closed the connection during the STOMP handshake.");
            }
        }
    }

    /// <summary>
    /// Hands every frame to <paramref name="dispatch"/> until the peer closes the connection (then it returns) or
    /// <paramref name="dispatch"/> or the decoder throws.
    /// </summary>
    public async Task RunAsync(Action<StompFrame> dispatch, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastReceived, Environment.TickCount64);
            var buffer = result.Buffer;
            try
            {
                while (_decoder.TryDecode(ref buffer, out var frame))
                {
                    dispatch(frame);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
