using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// SHA-256 of what makes a request this request: method, path, query and body. A retry with the key of another
/// request gets 422 instead of that request's answer.
/// </summary>
internal static class RequestFingerprint
{
    public static async ValueTask<string> ComputeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, request.Method);
        AppendText(hash, request.Path.Value ?? string.Empty);
        AppendText(hash, request.QueryString.Value ?? string.Empty);

        // Buffered so model binding and the handler read the body again from the start.
        request.EnableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        request.Body.Position = 0;
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The store key of a request: a hash, so user names and long keys never reach a table or Redis key as they are.</summary>
    public static string ScopeKey(string user, string endpoint, string key) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(user, "\n", endpoint, "\n", key))));

    private static void AppendText(IncrementalHash hash, string text)
    {
        // A separator keeps "ab"+"c" and "a"+"bc" apart.
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData("\n"u8);
    }
}
