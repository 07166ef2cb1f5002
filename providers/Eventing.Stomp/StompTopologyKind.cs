namespace Eventing.Stomp;

/// <summary>How events and listeners map to STOMP destinations on a given broker (docs/topology.md).</summary>
public enum StompTopologyKind
{
    /// <summary>Chosen from the <c>server</c> header of the broker's CONNECTED frame. The default.</summary>
    Auto,

    /// <summary>ActiveMQ Classic: virtual topics, <c>/topic/VirtualTopic.&lt;event&gt;</c> and <c>/queue/Consumer.&lt;listener&gt;.VirtualTopic.&lt;event&gt;</c>.</summary>
    ActiveMq,

    /// <summary>RabbitMQ: <c>/topic/&lt;event&gt;</c> (exchange <c>amq.topic</c>) and a named queue per listener, shared with the RabbitMq provider.</summary>
    RabbitMq,

    /// <summary>ActiveMQ Artemis: multicast address <c>&lt;event&gt;</c> and fully qualified queue names <c>&lt;event&gt;::&lt;queue&gt;</c>.</summary>
    Artemis,
}
