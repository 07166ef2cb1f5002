using Eventing;

namespace Quickstart;

/// <summary>Runs in both processes under one name, so the two instances share the work.</summary>
[EventListener(Name = "billing")]
public sealed class Billing(Tally tally) : EventListener<OrderPlaced>
{
    public override ValueTask OnAsync(OrderPlaced order, EventContext context, CancellationToken cancellationToken)
    {
        tally.Record($"billing in {context.Listener.ProcessId}", order.OrderNumber);
        return ValueTask.CompletedTask;
    }
}
