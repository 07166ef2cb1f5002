namespace Eventing.Filters;

/// <summary>Composes the filters of one listener once, so a delivery allocates no delegates.</summary>
internal static class ListenerFilterChain
{
    public static ListenerHandler? Compose(IEnumerable<IListenerFilterFactory> factories, ListenerDescriptor listener, ListenerHandler innermost)
    {
        var filters = new List<IListenerFilter>();
        foreach (var factory in factories)
        {
            if (factory.Create(listener) is { } filter)
            {
                filters.Add(filter);
            }
        }

        if (filters.Count == 0)
        {
            return null;
        }

        var next = innermost;
        for (var i = filters.Count - 1; i >= 0; i--)
        {
            var filter = filters[i];
            var inner = next;
            next = (@event, context, cancellationToken) => filter.HandleAsync(@event, context, inner, cancellationToken);
        }

        return next;
    }
}
