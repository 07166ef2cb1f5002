using Amqp.Framing;
using Amqp.Types;

namespace Eventing.Amqp.Topology;

/// <summary>One end of an AMQP 1.0 link as a topology describes it: an address, its durability and capabilities.</summary>
public sealed class AmqpTerminus
{
    /// <summary>Describes a terminus.</summary>
    /// <param name="address">The node address, e.g. <c>/topic/orders.placed</c>.</param>
    /// <param name="durable">
    /// Ask for a durable terminus (AMQP terminus-durability <c>unsettled-state</c>, expiry policy <c>never</c>);
    /// otherwise the terminus goes away with the link.
    /// </param>
    /// <param name="capabilities">Capabilities to announce, e.g. <c>topic</c> or <c>queue</c> for Artemis routing types.</param>
    public AmqpTerminus(string address, bool durable = false, IReadOnlyList<string>? capabilities = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        Address = address;
        Durable = durable;
        Capabilities = capabilities ?? [];
    }

    /// <summary>The node address.</summary>
    public string Address { get; }

    /// <summary>True for a durable terminus.</summary>
    public bool Durable { get; }

    /// <summary>Capabilities announced on attach; empty for none.</summary>
    public IReadOnlyList<string> Capabilities { get; }

    /// <summary>The terminus as the source of a receiver link.</summary>
    internal Source ToSource()
    {
        var source = new Source { Address = Address };
        if (Durable)
        {
            source.Durable = 2;
            source.ExpiryPolicy = new Symbol("never");
        }

        if (Capabilities.Count > 0)
        {
            source.Capabilities = Symbols();
        }

        return source;
    }

    /// <summary>The terminus as the target of a sender link.</summary>
    internal Target ToTarget()
    {
        var target = new Target { Address = Address };
        if (Durable)
        {
            target.Durable = 2;
            target.ExpiryPolicy = new Symbol("never");
        }

        if (Capabilities.Count > 0)
        {
            target.Capabilities = Symbols();
        }

        return target;
    }

    private Symbol[] Symbols()
    {
        var symbols = new Symbol[Capabilities.Count];
        for (var i = 0; i < symbols.Length; i++)
        {
            symbols[i] = Capabilities[i];
        }

        return symbols;
    }

    /// <inheritdoc />
    public override string ToString() => Durable ? Address + " (durable)" : Address;
}
