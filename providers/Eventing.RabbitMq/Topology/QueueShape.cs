namespace Eventing.RabbitMq.Topology;

/// <summary>How one queue is declared.</summary>
internal readonly record struct QueueShape(string Name, bool Durable, bool Exclusive, bool AutoDelete, RabbitMqQueueType Type);
