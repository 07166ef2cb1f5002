namespace Eventing.Wire;

/// <summary>
/// Reads binary-mode CloudEvents attributes from a protocol's headers onto an envelope, the same way on every
/// provider: a header with any CloudEvents prefix is an attribute; in structured mode (the native content type is
/// <c>application/cloudevents+json</c>) the body holds the attributes, so a header never sets
/// <c>datacontenttype</c> or <c>specversion</c> there (a stray <c>ce_datacontenttype</c> would turn the message into a
/// binary one). Other attributes a structured message carries beside its body (the id and type STOMP writes) are
/// kept until the core decodes the body, which replaces them, and name a message whose body cannot be decoded when
/// it is dead-lettered. Then the protocol's native message id, content type, correlation id and subject fill in
/// what no header carried.
/// </summary>
/// <remarks>
/// A mutable struct the provider keeps in a local: reading a message allocates nothing beyond the envelope.
/// Formatting a protocol value as a string (AMQP symbols, 0-9-1 timestamps) stays in the provider.
/// </remarks>
internal struct BinaryModeReader
{
    private readonly Envelope _envelope;
    private readonly bool _structured;
    private bool _hasId;
    private bool _hasType;
    private bool _hasContentType;
    private bool _hasCorrelationId;

    /// <param name="envelope">The envelope being read; its body is already set.</param>
    /// <param name="nativeContentType">The protocol's own content type, which says whether the message is structured.</param>
    public BinaryModeReader(Envelope envelope, string? nativeContentType)
    {
        _envelope = envelope;
        _structured = nativeContentType is not null && nativeContentType.StartsWith(Envelope.StructuredContentType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads one header.</summary>
    /// <param name="name">The header name as it came.</param>
    /// <param name="value">Its value as a string; null when the protocol value has no string form.</param>
    /// <returns>
    /// False when the header is an attribute whose value cannot be kept (no string form, or it breaks the
    /// attribute's rules): the provider logs it as dropped. True otherwise, including headers that are no attribute.
    /// </returns>
    public bool Read(string name, string? value) => Read(name, value, static text => text);

    /// <summary>
    /// Reads one header whose value is a protocol value; <paramref name="format"/> turns it into a string (null when
    /// it has none) and runs only for headers that are attributes, so other headers cost nothing.
    /// </summary>
    /// <returns>False when the header is an attribute whose value cannot be kept: the provider logs it as dropped.</returns>
    public bool Read<TValue>(string name, TValue value, Func<TValue, string?> format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (!CloudEventAttributes.TryGetAttributeName(name, out var attribute) || (_structured && IsBodyOnly(attribute)))
        {
            return true;
        }

        var text = format(value);
        if (text is null || !_envelope.TrySetAttribute(attribute, text))
        {
            return false;
        }

        switch (attribute)
        {
            case CloudEventAttributes.Id: _hasId = true; break;
            case CloudEventAttributes.Type: _hasType = true; break;
            case CloudEventAttributes.DataContentType: _hasContentType = true; break;
            case CloudEventAttributes.CorrelationId: _hasCorrelationId = true; break;
        }

        return true;
    }

    /// <summary>
    /// Uses the native message id when no header (and no earlier fallback) carried the id: a protocol with more than
    /// one native id calls this from the most to the least specific.
    /// </summary>
    /// <returns>False when the native id was used and breaks the id rules (the provider logs it as dropped).</returns>
    public bool FallBackToMessageId(string? messageId)
    {
        if (_hasId || messageId is null)
        {
            return true;
        }

        _hasId = _envelope.TrySetAttribute(CloudEventAttributes.Id, messageId);
        return _hasId;
    }

    /// <summary>Uses the native content type when no header carried it.</summary>
    public readonly void FallBackToContentType(string? contentType)
    {
        if (!_hasContentType && !string.IsNullOrEmpty(contentType))
        {
            _envelope.DataContentType = contentType;
        }
    }

    /// <summary>Uses the native correlation id when no header carried it.</summary>
    /// <returns>False when the native value was used and breaks the header rules (the provider logs it as dropped).</returns>
    public readonly bool FallBackToCorrelationId(string? correlationId) =>
        _hasCorrelationId || correlationId is null || _envelope.TrySetAttribute(CloudEventAttributes.CorrelationId, correlationId);

    /// <summary>Uses a native subject as the event type when no header named it: a peer that names the event there still reaches its listener.</summary>
    public readonly void FallBackToType(string? subject)
    {
        if (!_hasType && !string.IsNullOrEmpty(subject))
        {
            _envelope.Type = subject;
        }
    }

    private static bool IsBodyOnly(string attribute) => attribute is CloudEventAttributes.SpecVersion or CloudEventAttributes.DataContentType;
}
