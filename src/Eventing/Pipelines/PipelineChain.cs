namespace Eventing.Pipelines;

/// <summary>Composes the handle side once per listener, so a delivery allocates no delegates.</summary>
internal static class PipelineChain
{
    public static EnvelopeHandler Compose(IReadOnlyList<IEnvelopePipeline> pipelines, ListenerDescriptor listener, EnvelopeHandler innermost)
    {
        var next = innermost;
        for (var i = pipelines.Count - 1; i >= 0; i--)
        {
            var pipeline = pipelines[i];
            var inner = next;
            next = (envelope, cancellationToken) => pipeline.HandleAsync(envelope, listener, inner, cancellationToken);
        }

        return next;
    }
}
