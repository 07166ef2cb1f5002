using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Eventing.Listeners;

internal static class EventDeserializer
{
    public static TEvent Deserialize<TEvent>(Envelope envelope, JsonTypeInfo<TEvent> typeInfo)
    {
        TEvent? result;
        try
        {
            result = JsonSerializer.Deserialize(envelope.Body.Span, typeInfo);
        }
        catch (JsonException exception)
        {
            throw new PoisonMessageException(
                DeadLetterReasons.Malformed,
                $"The body of envelope {envelope.Id} is not a valid {typeof(TEvent).Name} ({exception.Message}).",
                exception);
        }

        return result ?? throw new PoisonMessageException(
            DeadLetterReasons.Malformed,
            $"The body of envelope {envelope.Id} is JSON null, not a {typeof(TEvent).Name}.");
    }
}
