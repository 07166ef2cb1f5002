namespace Eventing.Conformance;

/// <summary>A target whose provider can also run in a listener process of its own (tests/Eventing.Conformance.Consumer).</summary>
public interface IConsumerProcessTarget
{
    /// <summary>The consumer's provider arguments: <c>--provider</c>, <c>--uri</c> and whatever else the provider needs.</summary>
    IReadOnlyList<string> ConsumerArguments { get; }
}
