using System.Text;
using System.Text.Json;

namespace Eventing.Cli.Output;

/// <summary>
/// Formats an envelope as one line of the CloudEvents JSON event format (<c>id</c>, <c>type</c>, <c>source</c>,
/// <c>time</c>, extension attributes, and <c>data</c> holding the parsed body), whatever mode it travelled in.
/// </summary>
internal static class CloudEventJson
{
    /// <summary>
    /// Turns a structured-mode envelope back into a binary-mode one, as the core's dispatcher does.
    /// </summary>
    /// <returns>Null when the structured body cannot be decoded; <paramref name="problem"/> then says why.</returns>
    public static Envelope? Normalize(Envelope envelope, out string? problem)
    {
        problem = null;
        if (!envelope.IsStructured)
        {
            return envelope;
        }

        try
        {
            var decoded = StructuredCloudEvent.Decode(envelope.Body);
            decoded.Redelivered = envelope.Redelivered;

            // Headers that came outside the body (a dead-lettered structured envelope carries its failure headers there).
            foreach (var header in envelope.Headers)
            {
                if (!decoded.Headers.ContainsKey(header.Key))
                {
                    decoded.Headers.TrySet(header.Key, header.Value);
                }
            }

            return decoded;
        }
#pragma warning disable CA1031 // Whatever the decoder throws (not only MalformedEnvelopeException), the envelope is shown, not lost.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            problem = exception.Message;
            return null;
        }
    }

    /// <summary>One JSON line for <paramref name="envelope"/>; one that cannot be decoded is shown by <see cref="Undecodable"/>.</summary>
    public static string Format(Envelope envelope)
    {
        var normalized = Normalize(envelope, out var problem);
        if (normalized is null)
        {
            return Undecodable(envelope, problem!);
        }

        try
        {
            return Encoding.UTF8.GetString(StructuredCloudEvent.Encode(normalized));
        }
        catch (JsonException)
        {
            // The body is not the JSON its content type promises: show it as data_base64 rather than lose it.
            return Raw(normalized, problem: null);
        }
    }

    /// <summary>
    /// An envelope that could not be read (the provider's decode failure, or a structured body that does not
    /// decode): its attributes and headers as far as they are known, the body as <c>data_base64</c>, and the reason
    /// in the extension attribute <c>undecodable</c>.
    /// </summary>
    public static string Undecodable(Envelope envelope, string problem) => Raw(envelope, problem);

    private static string Raw(Envelope envelope, string? problem)
    {
        var raw = envelope.Clone();
        raw.DataContentType = "application/octet-stream";
        if (problem is not null)
        {
            // A header value is bounded and holds no NUL: keep the reason short and clean.
            var reason = problem.Replace('\0', ' ');
            raw.Headers.TrySet(UndecodableAttribute, reason.Length <= MaxReasonChars ? reason : reason[..MaxReasonChars] + "…");
        }

        return Encoding.UTF8.GetString(StructuredCloudEvent.Encode(raw));
    }

    /// <summary>The extension attribute that marks a printed envelope as undecodable and says why.</summary>
    public const string UndecodableAttribute = "undecodable";

    private const int MaxReasonChars = 1024;
}
