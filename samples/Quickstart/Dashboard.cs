using Eventing;

namespace Quickstart;

/// <summary>Per-process: every process that runs it sees every order.</summary>
[EventListener(Name = "dashboard", PerProcess = true)]
public sealed class Dashboard(Tally tally) : EventListener<OrderPlaced>
{
    protected override void On(OrderPlaced order, EventContext context) =>
        tally.Record($"dashboard in {context.Listener.ProcessId}", order.OrderNumber);
}
