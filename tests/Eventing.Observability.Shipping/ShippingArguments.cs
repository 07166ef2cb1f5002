namespace Eventing.Observability;

/// <summary>The command line of the shipping service; every option is required.</summary>
internal sealed record ShippingArguments(Uri RabbitMq, Uri Stomp, string Placed, string Shipped, string Listener)
{
    public static ShippingArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        string Required(string name) =>
            values.TryGetValue(name, out var value)
                ? value
                : throw new ArgumentException($"{name} is missing. Usage: --rabbitmq URI --stomp URI --placed EVENT --shipped EVENT --listener NAME");

        return new ShippingArguments(new Uri(Required("--rabbitmq")), new Uri(Required("--stomp")), Required("--placed"), Required("--shipped"), Required("--listener"));
    }
}
