namespace Eventing.Diagnostics;

/// <summary>
/// The attribute names of the OpenTelemetry messaging semantic conventions that Eventing's spans and metrics
/// carry, and the few of its own (prefixed <c>eventing.</c>) the conventions have no name for.
/// </summary>
internal static class MessagingAttributes
{
    public const string System = "messaging.system";
    public const string DestinationName = "messaging.destination.name";
    public const string SubscriptionName = "messaging.destination.subscription.name";
    public const string ConsumerGroup = "messaging.consumer.group.name";
    public const string MessageId = "messaging.message.id";
    public const string BodySize = "messaging.message.body.size";
    public const string OperationType = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string ErrorType = "error.type";

    public const string DeliveryAttempt = "eventing.delivery.attempt";
    public const string DeadLetterReason = "eventing.dead_letter.reason";
    public const string RetryDelay = "eventing.retry.delay";
    public const string Endpoint = "eventing.endpoint";
    public const string Provider = "eventing.provider";

    // messaging.operation.type values.
    public const string Create = "create";
    public const string Send = "send";
    public const string Process = "process";
}
