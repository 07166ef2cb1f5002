namespace Eventing.Pipelines;

/// <summary>
/// Composes the two receive stages of a listener's pipelines once, when it subscribes, so a delivery allocates no
/// delegates. Both stages nest the same way: the first pipeline is outermost.
/// </summary>
internal static class PipelineChain
{
    /// <summary>The pipelines that take part in <paramref name="listener"/>'s handling, in registration order.</summary>
    public static IEnvelopePipeline[] Bind(IEnumerable<IEnvelopePipeline> pipelines, ListenerDescriptor listener)
    {
        var bound = new List<IEnvelopePipeline>();
        foreach (var pipeline in pipelines)
        {
            if (pipeline.Bind(listener) is { } forListener)
            {
                bound.Add(forListener);
            }
        }

        return [.. bound];
    }

    /// <summary>The envelope stage: each pipeline's <see cref="IEnvelopePipeline.HandleAsync"/> around <paramref name="innermost"/>.</summary>
    public static EnvelopeHandler Compose(IReadOnlyList<IEnvelopePipeline> pipelines, ListenerDescriptor listener, EnvelopeHandler innermost) =>
        Nest(pipelines, innermost, (pipeline, inner) => (envelope, cancellationToken) => pipeline.HandleAsync(envelope, listener, inner, cancellationToken));

    /// <summary>
    /// The event stage: each pipeline's <see cref="IEnvelopePipeline.HandleEventAsync"/> around
    /// <paramref name="innermost"/>, or null when no pipeline takes part (a plain listener pays nothing).
    /// </summary>
    public static ListenerHandler? ComposeEvent(IReadOnlyList<IEnvelopePipeline> pipelines, ListenerHandler innermost) =>
        pipelines.Count == 0
            ? null
            : Nest(pipelines, innermost, (pipeline, inner) => (@event, context, cancellationToken) => pipeline.HandleEventAsync(@event, context, inner, cancellationToken));

    private static THandler Nest<THandler>(IReadOnlyList<IEnvelopePipeline> pipelines, THandler innermost, Func<IEnvelopePipeline, THandler, THandler> wrap)
    {
        var next = innermost;
        for (var i = pipelines.Count - 1; i >= 0; i--)
        {
            next = wrap(pipelines[i], next);
        }

        return next;
    }
}
