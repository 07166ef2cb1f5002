using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Tests.Connections;

/// <summary>
/// A one-connection STOMP server the test drives by hand: it answers CONNECT, hands every client frame to the
/// test, and sends RECEIPT, ERROR or a close exactly when the test says so — which a real broker cannot.
/// </summary>
internal sealed class FakeStompServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly StompFrameDecoder _decoder = new(new StompLimits(1024 * 1024, 100, 8192));
    private readonly Queue<StompFrame> _decoded = new();
    private Socket? _socket;
    private NetworkStream? _stream;
    private PipeReader? _input;

    public FakeStompServer() => _listener.Start();

    public Uri Uri => new($"stomp://user:pw@127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public StompEndpoint Endpoint => new(StompClientSettings.From(new StompProviderOptions { Uri = Uri, HeartBeat = TimeSpan.Zero }));

    /// <summary>Accepts the client (again, after <see cref="Drop"/>) and answers its CONNECT.</summary>
    public async Task AcceptAsync()
    {
        // Frames of an earlier connection not read yet went with it.
        _decoded.Clear();
        _socket = await _listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _stream = new NetworkStream(_socket, ownsSocket: true);
        _input = PipeReader.Create(_stream);
        var connect = await ReadFrameAsync();
        Assert.Equal("CONNECT", connect.Command);
        await WriteAsync("CONNECTED\nversion:1.2\nserver:Fake/1.0\nheart-beat:0,0\n\n\0");
    }

    public async Task<StompFrame> ReadFrameAsync()
    {
        if (_decoded.TryDequeue(out var ready))
        {
            return ready;
        }

        while (true)
        {
            var result = await _input!.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var buffer = result.Buffer;
            while (_decoder.TryDecode(ref buffer, out var frame))
            {
                _decoded.Enqueue(frame);
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (_decoded.TryDequeue(out var next))
            {
                return next;
            }

            if (result.IsCompleted)
            {
                throw new IOException("the client closed the connection");
            }
        }
    }

    public Task ReceiptAsync(string id) => WriteAsync($"RECEIPT\nreceipt-id:{id}\n\n\0");

    public Task ErrorAsync(string message) => WriteAsync($"ERROR\nmessage:{message}\n\n\0");

    public void Drop() => _socket!.Close();

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }
    }

    private async Task WriteAsync(string frame) => await _stream!.WriteAsync(Encoding.UTF8.GetBytes(frame));
}
