using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Eventing.Envelopes;

namespace Eventing;

/// <summary>
/// A CloudEvent (CNCF CloudEvents 1.0) on its way to or from a broker: the required attributes, the extension
/// attributes (<see cref="Headers"/>) and the data (<see cref="Body"/>, the record's UTF-8 JSON).
/// </summary>
public sealed class Envelope
{
    /// <summary>The CloudEvents spec version written on the wire.</summary>
    public const string SpecVersion = "1.0";

    /// <summary>The content type of the data in binary mode.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The content type of a structured-mode CloudEvent, which carries its attributes in the body.</summary>
    public const string StructuredContentType = "application/cloudevents+json";

    /// <summary>How <see cref="FormatTime"/> writes the time (RFC 3339, UTC, 100 ns); for writers that format it in place.</summary>
    internal const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private string? _id;
    private EnvelopeHeaders? _headers;

    /// <summary>Creates an envelope with a new id (a GUID string), the current time and a JSON body.</summary>
    public Envelope(string type, ReadOnlyMemory<byte> body)
    {
        Type = type;
        Body = body;
        Time = DateTimeOffset.UtcNow;
    }

    /// <summary>The message id (CloudEvents <c>id</c>); a GUID string unless the sender chose another.</summary>
    public string Id
    {
        // The id is drawn and formatted on first use: in process, a listener that never reads it never pays
        // for it. Clone() draws it first, so every copy of one message has the same id.
        get => _id ??= Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture);
        set
        {
            EnvelopeRules.CheckId(value);
            _id = value;
        }
    }

    /// <summary>The event name (CloudEvents <c>type</c>).</summary>
    public string Type { get; set; }

    /// <summary>The sender (CloudEvents <c>source</c>), a URI reference such as <c>/eventing/orders-api</c>.</summary>
    public string Source { get; set; } = "/eventing";

    /// <summary>When the event was sent (CloudEvents <c>time</c>).</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary>The content type of <see cref="Body"/> (CloudEvents <c>datacontenttype</c>).</summary>
    public string DataContentType { get; set; } = JsonContentType;

    /// <summary>The extension attributes: pipeline and user headers, trace context, failure information.</summary>
    public EnvelopeHeaders Headers => _headers ??= new EnvelopeHeaders();

    /// <summary>The extension attributes if any were set; null otherwise (reading <see cref="Headers"/> creates them).</summary>
    internal EnvelopeHeaders? HeadersIfAny => _headers;

    /// <summary>Reads a header without creating the header table of an envelope that has none.</summary>
    internal bool TryGetHeader(string name, [MaybeNullWhen(false)] out string value)
    {
        if (_headers is null)
        {
            value = null;
            return false;
        }

        return _headers.TryGetValue(name, out value);
    }

    /// <summary>The data: the event record as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>True when the body is a structured-mode CloudEvent rather than the record's JSON.</summary>
    public bool IsStructured =>
        DataContentType.StartsWith(StructuredContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The attempt in this process that is handling the envelope: 1 first, 2 on the first retry.</summary>
    public int DeliveryAttempt { get; internal set; }

    /// <summary>Set by a provider when the broker marked the message as delivered before.</summary>
    public bool Redelivered { get; set; }

    /// <summary>The correlation id extension attribute, if any.</summary>
    public string? CorrelationId
    {
        get => _headers is not null && _headers.TryGetValue(CloudEventAttributes.CorrelationId, out var value) ? value : null;
        set
        {
            if (value is null)
            {
                Headers.Remove(CloudEventAttributes.CorrelationId);
            }
            else
            {
                Headers[CloudEventAttributes.CorrelationId] = value;
            }
        }
    }

    /// <summary>
    /// Sets an attribute by its CloudEvents name: the required attributes go to their properties, any other to
    /// <see cref="Headers"/>. Providers use this when reading binary-mode headers.
    /// </summary>
    /// <returns>False when the value breaks the rules for that attribute (the caller should log and drop it).</returns>
    public bool TrySetAttribute(string name, string value)
    {
        switch (name)
        {
            case CloudEventAttributes.Id:
                if (!EnvelopeRules.IsValidId(value))
                {
                    return false;
                }

                _id = value;
                return true;
            case CloudEventAttributes.Type:
                Type = value;
                return true;
            case CloudEventAttributes.Source:
                Source = value;
                return true;
            case CloudEventAttributes.Time:
                if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
                {
                    return false;
                }

                Time = time;
                return true;
            case CloudEventAttributes.DataContentType:
                DataContentType = value;
                return true;
            case CloudEventAttributes.SpecVersion:
                return true;
            default:
                return Headers.TrySet(name, value);
        }
    }

    /// <summary>
    /// Enumerates every attribute as it goes on the wire in binary mode: <c>specversion</c>, <c>id</c>,
    /// <c>type</c>, <c>source</c>, <c>time</c>, <c>datacontenttype</c>, then the extensions. Allocation-free.
    /// </summary>
    public AttributeEnumerator GetAttributes() => new(this);

    /// <summary>Formats <see cref="Time"/> as RFC 3339 UTC, the way it goes on the wire.</summary>
    public string FormatTime() => Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>A copy with its own headers; the body is shared (it is never mutated).</summary>
    public Envelope Clone()
    {
        var copy = new Envelope(Type, Body)
        {
            _id = Id,
            Source = Source,
            Time = Time,
            DataContentType = DataContentType,
            Redelivered = Redelivered,
        };
        if (_headers is { Count: > 0 })
        {
            _headers.CopyTo(copy.Headers);
        }

        return copy;
    }

    /// <summary>Enumerates the attributes of an envelope; see <see cref="GetAttributes"/>.</summary>
    public struct AttributeEnumerator
    {
        private readonly Envelope _envelope;
        private int _position;
        private EnvelopeHeaders.Enumerator _headers;

        internal AttributeEnumerator(Envelope envelope)
        {
            _envelope = envelope;
            _position = -1;
            _headers = envelope._headers?.GetEnumerator() ?? default;
            Current = default;
        }

        /// <summary>The current attribute name and string value.</summary>
        public KeyValuePair<string, string> Current { get; private set; }

        /// <summary>Supports <c>foreach</c>.</summary>
        public readonly AttributeEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next attribute.</summary>
        public bool MoveNext()
        {
            _position++;
            switch (_position)
            {
                case 0:
                    Current = new(CloudEventAttributes.SpecVersion, SpecVersion);
                    return true;
                case 1:
                    Current = new(CloudEventAttributes.Id, _envelope.Id);
                    return true;
                case 2:
                    Current = new(CloudEventAttributes.Type, _envelope.Type);
                    return true;
                case 3:
                    Current = new(CloudEventAttributes.Source, _envelope.Source);
                    return true;
                case 4:
                    Current = new(CloudEventAttributes.Time, _envelope.FormatTime());
                    return true;
                case 5:
                    Current = new(CloudEventAttributes.DataContentType, _envelope.DataContentType);
                    return true;
                default:
                    if (_headers.MoveNext())
                    {
                        Current = _headers.Current;
                        return true;
                    }

                    return false;
            }
        }
    }
}
