using System.Text;

namespace Eventing.Wire;

/// <summary>
/// What a provider writes beside the body, the same way on every protocol: in binary mode every attribute that no
/// native property of the protocol carries; in
/// structured mode only the extensions set since the body was read (a dead letter's failure headers above all),
/// which would otherwise be lost. Header names are built once per prefix, so a send allocates no name strings.
/// </summary>
internal sealed class BinaryModeHeaders
{
    /// <summary>AMQP 0-9-1 and STOMP: <c>ce_</c>.</summary>
    public static readonly BinaryModeHeaders Underscore = new(CloudEventAttributes.HeaderPrefix);

    /// <summary>AMQP 1.0 application-properties: <c>cloudEvents_</c>.</summary>
    public static readonly BinaryModeHeaders AmqpProperties = new(CloudEventAttributes.AmqpPropertyPrefix);

    // AMQP 0-9-1 short strings carry a length byte. RabbitMQ copies the native message id, content type and
    // correlation id of every protocol into them, so a longer value would break 0-9-1 readers of the queue.
    private const int MaxShortStringBytes = 255;

    private readonly string _prefix;
    private readonly string _specVersion, _id, _type, _source, _time, _dataContentType, _correlationId, _traceParent, _traceState;

    private BinaryModeHeaders(string prefix)
    {
        _prefix = prefix;
        _specVersion = prefix + CloudEventAttributes.SpecVersion;
        _id = prefix + CloudEventAttributes.Id;
        _type = prefix + CloudEventAttributes.Type;
        _source = prefix + CloudEventAttributes.Source;
        _time = prefix + CloudEventAttributes.Time;
        _dataContentType = prefix + CloudEventAttributes.DataContentType;
        _correlationId = prefix + CloudEventAttributes.CorrelationId;
        _traceParent = prefix + CloudEventAttributes.TraceParent;
        _traceState = prefix + CloudEventAttributes.TraceState;
    }

    /// <summary>The header name of an attribute.</summary>
    public string NameOf(string attribute) => attribute switch
    {
        CloudEventAttributes.SpecVersion => _specVersion,
        CloudEventAttributes.Id => _id,
        CloudEventAttributes.Type => _type,
        CloudEventAttributes.Source => _source,
        CloudEventAttributes.Time => _time,
        CloudEventAttributes.DataContentType => _dataContentType,
        CloudEventAttributes.CorrelationId => _correlationId,
        CloudEventAttributes.TraceParent => _traceParent,
        CloudEventAttributes.TraceState => _traceState,
        _ => _prefix + attribute,
    };

    /// <summary>How many headers <see cref="Write"/> adds for <paramref name="envelope"/> at most, to size a table.</summary>
    public static int CountFor(Envelope envelope) => envelope.IsStructured ? envelope.Headers.Count : 6 + envelope.Headers.Count;

    /// <summary>
    /// Calls <paramref name="add"/> with each header name and value that goes beside the body of
    /// <paramref name="envelope"/>: every attribute in binary mode but those <paramref name="native"/> says the
    /// protocol's own properties carry, the extensions in structured mode.
    /// </summary>
    public void Write<TState>(Envelope envelope, NativeAttributes native, TState state, Action<TState, string, string> add)
    {
        var headers = envelope.HeadersIfAny;
        if (envelope.IsStructured)
        {
            if (headers is not null)
            {
                foreach (var header in headers)
                {
                    add(state, NameOf(header.Key), header.Value);
                }
            }

            return;
        }

        // The attributes one by one, in the order of Envelope.GetAttributes, rather than through it: an attribute
        // the provider writes itself (the time, formatted in place) is then never formatted to a string.
        add(state, _specVersion, Envelope.SpecVersion);
        if ((native & NativeAttributes.Id) == 0)
        {
            add(state, _id, envelope.Id);
        }

        if ((native & NativeAttributes.Type) == 0)
        {
            add(state, _type, envelope.Type);
        }

        add(state, _source, envelope.Source);
        if ((native & NativeAttributes.Time) == 0)
        {
            add(state, _time, envelope.FormatTime());
        }

        if ((native & NativeAttributes.DataContentType) == 0)
        {
            add(state, _dataContentType, envelope.DataContentType);
        }

        if (headers is null)
        {
            return;
        }

        foreach (var header in headers)
        {
            if (native == NativeAttributes.None || !IsNative(header.Key, native))
            {
                add(state, NameOf(header.Key), header.Value);
            }
        }
    }

    private static bool IsNative(string attribute, NativeAttributes native) => attribute switch
    {
        CloudEventAttributes.Id => native.HasFlag(NativeAttributes.Id),
        CloudEventAttributes.Type => native.HasFlag(NativeAttributes.Type),
        CloudEventAttributes.DataContentType => native.HasFlag(NativeAttributes.DataContentType),
        CloudEventAttributes.CorrelationId => native.HasFlag(NativeAttributes.CorrelationId),
        _ => false,
    };

    /// <summary>True when <paramref name="value"/> fits an AMQP 0-9-1 short string (at most 255 bytes of UTF-8).</summary>
    public static bool FitsShortString(string? value) =>
        value is not null && (value.Length <= MaxShortStringBytes / 3 || Encoding.UTF8.GetByteCount(value) <= MaxShortStringBytes);
}
