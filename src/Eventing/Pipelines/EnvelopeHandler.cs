namespace Eventing;

/// <summary>The rest of the handling of an envelope: the inner pipelines, deserialization and the listener.</summary>
public delegate ValueTask EnvelopeHandler(Envelope envelope, CancellationToken cancellationToken);
