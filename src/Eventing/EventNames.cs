namespace Eventing;

/// <summary>Checks event and listener names against what every broker topology can carry.</summary>
internal static class EventNames
{
    public static void Check(string name, Type? type)
    {
        var owner = type is null ? string.Empty : $" (on {type.Name})";
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new EventRegistrationException($"An event name must not be empty{owner}.");
        }

        if (name.AsSpan().IndexOfAny("*#/ ") >= 0 || name.Contains("::", StringComparison.Ordinal))
        {
            throw new EventRegistrationException(
                $"Event name '{name}'{owner} contains '*', '#', '/', '::' or a space. Those are routing-key wildcards or destination separators on brokers; use letters, digits, '.', '-' and '_', e.g. [Event(\"orders.placed\")].");
        }
    }

    public static void CheckListener(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new EventRegistrationException("A listener name must not be empty.");
        }

        if (name.AsSpan().IndexOfAny("*#/: ") >= 0)
        {
            throw new EventRegistrationException(
                $"Listener name '{name}' contains '*', '#', '/', ':' or a space, which queue names on brokers cannot carry. Use letters, digits, '.', '-' and '_'.");
        }
    }
}
