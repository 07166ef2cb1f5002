namespace Eventing.Stomp.Client.Protocol;

/// <summary>Header names of STOMP 1.2 and of the brokers' extensions that the client reads or writes.</summary>
internal static class StompHeaders
{
    public const string AcceptVersion = "accept-version";
    public const string Host = "host";
    public const string Login = "login";
    public const string Passcode = "passcode";
    public const string HeartBeat = "heart-beat";
    public const string Version = "version";
    public const string Server = "server";
    public const string Session = "session";
    public const string Destination = "destination";
    public const string ContentType = "content-type";
    public const string ContentLength = "content-length";
    public const string Receipt = "receipt";
    public const string ReceiptId = "receipt-id";
    public const string Id = "id";
    public const string Ack = "ack";
    public const string Subscription = "subscription";
    public const string MessageId = "message-id";
    public const string Message = "message";
    public const string Persistent = "persistent";
    public const string Redelivered = "redelivered";
    public const string CorrelationId = "correlation-id";

    // RabbitMQ's STOMP adapter: the AMQP 0-9-1 message_id and type properties of a message published over 0-9-1.
    public const string AmqpMessageId = "amqp-message-id";
    public const string Type = "type";
}
