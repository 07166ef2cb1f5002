namespace Eventing.Receiving;

/// <summary>
/// The broker refused the copy that would settle a delivery (its dead letter, or its delayed retry): the receive pump
/// gives the original back to the broker, so nothing is lost.
/// </summary>
internal sealed class CopyRefusedException(Exception inner) : Exception("The broker refused the dead letter or delayed retry of the message.", inner);
