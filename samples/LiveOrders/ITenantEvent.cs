namespace LiveOrders;

/// <summary>An event that belongs to one tenant; the stream shows it only to that tenant's users.</summary>
public interface ITenantEvent
{
    string TenantId { get; }
}
