using System.Text;
using System.Text.Json;

namespace Eventing.Cli.Output;

/// <summary>
/// Formats an envelope as one line of the CloudEvents JSON event format (<c>id</c>, <c>type</c>, <c>source</c>,
/// <c>time</c>, extension attributes, and <c>data</c> holding the parsed body), whatever mode it travelled in.
/// </summary>
internal static class CloudEventJson
{
    /// <summary>Turns a structured-mode envelope back into a binary-mode one, as the core's dispatcher does.</summary>
    public static Envelope Normalize(Envelope envelope)
    {
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
        catch (MalformedEnvelopeException)
        {
            return envelope;
        }
    }

    public static string Format(Envelope envelope)
    {
        envelope = Normalize(envelope);
        byte[] json;
        try
        {
            json = StructuredCloudEvent.Encode(envelope);
        }
        catch (JsonException)
        {
            // The body is not the JSON its content type promises: show it as data_base64 rather than lose it.
            var raw = envelope.Clone();
            raw.DataContentType = "application/octet-stream";
            json = StructuredCloudEvent.Encode(raw);
        }

        return Encoding.UTF8.GetString(json);
    }
}
