using System.Runtime.CompilerServices;

// The exceptions the STOMP client throws live with it in Eventing.Stomp.Client (installed with this package), in
// the namespace they always had; code built against them in this assembly still finds them.
[assembly: TypeForwardedTo(typeof(Eventing.Stomp.StompErrorFrameException))]
[assembly: TypeForwardedTo(typeof(Eventing.Stomp.StompProtocolException))]
