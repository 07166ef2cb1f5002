using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// A response as the stores keep it: one opaque byte string (status, chosen headers, body), so every store saves
/// and replays it the same way, byte for byte. Layout: status (int32 LE), header count (int32 LE), each header as
/// name and value (int32 LE length + UTF-8), then the body.
/// </summary>
internal sealed class StoredResponse
{
    public required int StatusCode { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(64 + Body.Length);
        WriteInt32(buffer, StatusCode);
        WriteInt32(buffer, Headers.Count);
        foreach (var (name, value) in Headers)
        {
            WriteString(buffer, name);
            WriteString(buffer, value);
        }

        buffer.Write(Body.Span);
        return buffer.WrittenSpan.ToArray();
    }

    public static StoredResponse Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var span = bytes.AsSpan();
        var position = 0;
        var status = ReadInt32(span, ref position);
        var count = ReadInt32(span, ref position);
        var headers = new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
        {
            var name = ReadString(span, ref position);
            headers[i] = new(name, ReadString(span, ref position));
        }

        return new StoredResponse { StatusCode = status, Headers = headers, Body = bytes.AsMemory(position) };
    }

    private static void WriteInt32(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(buffer, length);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    private static int ReadInt32(ReadOnlySpan<byte> span, ref int position)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
        position += 4;
        return value;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int position)
    {
        var length = ReadInt32(span, ref position);
        var value = Encoding.UTF8.GetString(span.Slice(position, length));
        position += length;
        return value;
    }
}
