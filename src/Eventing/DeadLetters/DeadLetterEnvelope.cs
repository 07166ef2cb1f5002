using System.Globalization;
using System.Text;
using Eventing.Listeners;

namespace Eventing.DeadLetters;

/// <summary>
/// Builds the envelope that goes to a dead-letter queue: a copy of the failed one with the failure headers, and
/// every value cut down to a size each protocol can carry, so the dead letter itself can always be sent.
/// </summary>
internal static class DeadLetterEnvelope
{
    /// <summary>
    /// The most UTF-8 bytes a dead letter's attribute value keeps. STOMP escaping can double a value
    /// (<c>:</c> becomes <c>\c</c>) and ActiveMQ refuses header lines over 10 KiB by default, so 4 KiB survives
    /// the worst escaping on every broker tested; longer values are cut and end with <see cref="TruncatedMarker"/>.
    /// </summary>
    public const int MaxValueBytes = 4 * 1024;

    /// <summary>Ends a value that was cut to fit.</summary>
    public const string TruncatedMarker = "…[truncated]";

    private const int MaxExceptionMessageChars = 1024;

    public static Envelope Create(Envelope failed, string reason, Exception? exception, string problem, int attempt, string queue)
    {
        var deadLetter = failed.Clone();
        deadLetter.Type = Fit(deadLetter.Type);
        deadLetter.Source = Fit(deadLetter.Source);
        var headers = deadLetter.Headers;
        List<KeyValuePair<string, string>>? oversized = null;
        foreach (var header in headers)
        {
            if (!FitsAsIs(header.Value))
            {
                (oversized ??= []).Add(header);
            }
        }

        if (oversized is not null)
        {
            foreach (var header in oversized)
            {
                headers[header.Key] = Fit(header.Value);
            }
        }

        headers[CloudEventAttributes.DeadLetterReason] = reason;
        headers[CloudEventAttributes.FailedListener] = Fit(queue);
        headers[CloudEventAttributes.FailedAt] = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        headers[CloudEventAttributes.DeliveryAttempt] = attempt.ToString(CultureInfo.InvariantCulture);
        headers[CloudEventAttributes.ExceptionType] = exception is null or PoisonMessageException
            ? reason
            : exception.GetType().FullName ?? exception.GetType().Name;
        headers[CloudEventAttributes.ExceptionMessage] = Fit(Clean(problem));
        return deadLetter;
    }

    private static bool FitsAsIs(string value) =>
        value.Length * 3 <= MaxValueBytes || Encoding.UTF8.GetByteCount(value) <= MaxValueBytes;

    /// <summary>Cuts <paramref name="value"/> to at most <see cref="MaxValueBytes"/> UTF-8 bytes, marker included.</summary>
    public static string Fit(string value)
    {
        if (FitsAsIs(value))
        {
            return value;
        }

        var budget = MaxValueBytes - Encoding.UTF8.GetByteCount(TruncatedMarker);
        var length = 0;
        var bytes = 0;
        while (length < value.Length)
        {
            // Never split a surrogate pair: a lone surrogate is not valid UTF-8 on the wire.
            var step = char.IsHighSurrogate(value[length]) && length + 1 < value.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(value.AsSpan(length, step));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return string.Concat(value.AsSpan(0, length), TruncatedMarker);
    }

    private static string Clean(string message)
    {
        var clean = message.Replace('\0', ' ');
        return clean.Length <= MaxExceptionMessageChars ? clean : clean[..MaxExceptionMessageChars] + TruncatedMarker;
    }
}
