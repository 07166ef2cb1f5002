namespace Eventing;

/// <summary>
/// Chooses the <see cref="IListenerFilter"/> of each listener when the bus starts. Register implementations as
/// singletons in the service collection; extension packages read the settings they recorded in
/// <see cref="ListenerBuilder.Properties"/> from <see cref="ListenerDescriptor.Properties"/>.
/// </summary>
public interface IListenerFilterFactory
{
    /// <summary>
    /// The filter for <paramref name="listener"/>, or <see langword="null"/> when this factory has nothing to add.
    /// Throwing stops the bus from starting, so invalid settings surface at startup.
    /// </summary>
    IListenerFilter? Create(ListenerDescriptor listener);
}
