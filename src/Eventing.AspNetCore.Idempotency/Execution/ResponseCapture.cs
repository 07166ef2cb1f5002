using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// Tees the response body: every byte goes to the client as written (no added latency, streaming still works) and
/// into a copy that is stored once the request succeeded. Stops copying past the size limit.
/// </summary>
internal sealed class ResponseCapture : Stream
{
    private readonly Stream _inner;
    private readonly int _limit;
    private readonly MemoryStream _copy = new();

    private ResponseCapture(Stream inner, int limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>True when the body grew past the limit: the copy is incomplete and must not be stored.</summary>
    public bool Overflowed { get; private set; }

    public ReadOnlyMemory<byte> Body => _copy.GetBuffer().AsMemory(0, (int)_copy.Length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Puts a capture in front of the response body (and its PipeWriter, which HttpResponse rebuilds over it).</summary>
    public static ResponseCapture Attach(HttpContext context, int limit)
    {
        var capture = new ResponseCapture(context.Response.Body, limit);
        context.Response.Body = capture;
        return capture;
    }

    public void Detach(HttpContext context) => context.Response.Body = _inner;

    public override void Write(byte[] buffer, int offset, int count)
    {
        Copy(buffer.AsSpan(offset, count));
        _inner.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Copy(buffer);
        _inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Copy(buffer.Span);
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _copy.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Copy(ReadOnlySpan<byte> bytes)
    {
        if (Overflowed)
        {
            return;
        }

        if (_copy.Length + bytes.Length > _limit)
        {
            Overflowed = true;
            return;
        }

        _copy.Write(bytes);
    }
}
