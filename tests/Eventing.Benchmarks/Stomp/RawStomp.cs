using System.Net.Sockets;
using System.Text;

namespace Eventing.Benchmarks.Stomp;

/// <summary>
/// The baseline: a minimal STOMP 1.2 client on a raw socket, no library, no envelope. It writes frames by hand
/// into one buffered stream and parses only what it needs (content-length, the ack id, receipt-id).
/// </summary>
internal sealed class RawStomp : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _output;
    private readonly byte[] _input = new byte[256 * 1024];
    private int _start;
    private int _end;

    private RawStomp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _output = new BufferedStream(_stream, 64 * 1024);
    }

    public static async Task<RawStomp> ConnectAsync(Uri uri)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(uri.Host, uri.Port);
        var raw = new RawStomp(client);
        var user = uri.UserInfo.Split(':');
        raw.Write($"CONNECT\naccept-version:1.2\nhost:/\nlogin:{user[0]}\npasscode:{user[1]}\nheart-beat:0,0\n\n\0");
        await raw.FlushAsync();
        var (command, _, _) = await raw.ReadFrameAsync();
        if (command != "CONNECTED")
        {
            throw new InvalidOperationException("raw STOMP connect failed: " + command);
        }

        return raw;
    }

    public void Send(string destination, ReadOnlySpan<byte> body, string? receipt)
    {
        Write(receipt is null
            ? $"SEND\ndestination:{destination}\npersistent:true\ncontent-type:application/json\ncontent-length:{body.Length}\n\n"
            : $"SEND\ndestination:{destination}\npersistent:true\nreceipt:{receipt}\ncontent-type:application/json\ncontent-length:{body.Length}\n\n");
        _output.Write(body);
        _output.WriteByte(0);
    }

    public void Subscribe(string destination, string prefetchHeader, int prefetch, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var extra = new StringBuilder();
        foreach (var header in headers)
        {
            extra.Append(header.Key).Append(':').Append(header.Value).Append('\n');
        }

        Write($"SUBSCRIBE\nid:0\ndestination:{destination}\nack:client-individual\n{prefetchHeader}:{prefetch}\n{extra}\n\0");
    }

    public void Ack(string id) => Write($"ACK\nid:{id}\n\n\0");

    public void Disconnect() => Write("DISCONNECT\n\n\0");

    public Task FlushAsync() => _output.FlushAsync();

    public async Task WaitForReceiptAsync(string receipt)
    {
        while (true)
        {
            var (command, headers, _) = await ReadFrameAsync();
            if (command == "RECEIPT" && headers.Contains("receipt-id:" + receipt + "\n", StringComparison.Ordinal))
            {
                return;
            }

            if (command == "ERROR")
            {
                throw new InvalidOperationException("ERROR frame: " + headers);
            }
        }
    }

    /// <summary>Reads one frame: command, the raw header block, and the ack id of a MESSAGE.</summary>
    public async Task<(string Command, string Headers, string? Ack)> ReadFrameAsync()
    {
        while (true)
        {
            // Skip heart-beat EOLs.
            while (_start < _end && (_input[_start] == '\n' || _input[_start] == '\r'))
            {
                _start++;
            }

            var span = _input.AsSpan(_start, _end - _start);
            var headerEnd = span.IndexOf("\n\n"u8);
            if (headerEnd >= 0)
            {
                var head = Encoding.UTF8.GetString(span[..headerEnd]) + "\n";
                var lengthAt = head.IndexOf("\ncontent-length:", StringComparison.Ordinal);
                int total;
                if (lengthAt >= 0)
                {
                    var from = lengthAt + 16;
                    var length = int.Parse(head.AsSpan(from, head.IndexOf('\n', from) - from), System.Globalization.CultureInfo.InvariantCulture);
                    total = headerEnd + 2 + length + 1;
                }
                else
                {
                    var nul = span[(headerEnd + 2)..].IndexOf((byte)0);
                    total = nul < 0 ? int.MaxValue : headerEnd + 2 + nul + 1;
                }

                if (total <= span.Length)
                {
                    _start += total;
                    var newline = head.IndexOf('\n', StringComparison.Ordinal);
                    string? ack = null;
                    var ackAt = head.IndexOf("\nack:", StringComparison.Ordinal);
                    if (ackAt >= 0)
                    {
                        ack = head.Substring(ackAt + 5, head.IndexOf('\n', ackAt + 5) - ackAt - 5);
                    }

                    return (head[..newline], head, ack);
                }
            }

            if (_start > 0)
            {
                Array.Copy(_input, _start, _input, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _stream.ReadAsync(_input.AsMemory(_end));
            if (read == 0)
            {
                throw new IOException("raw STOMP connection closed");
            }

            _end += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _output.DisposeAsync();
        _client.Dispose();
    }

    private void Write(string text) => _output.Write(Encoding.UTF8.GetBytes(text));
}
