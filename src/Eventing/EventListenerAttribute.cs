namespace Eventing;

/// <summary>
/// Names a listener class and chooses how it shares events. Registration can override both.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventListenerAttribute : Attribute
{
    /// <summary>
    /// The listener name. Instances with the same name compete for events; listeners with different names
    /// each get every event. Defaults to the class name.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>When true, every process gets every event (the queue carries the process id).</summary>
    public bool PerProcess { get; set; }
}
