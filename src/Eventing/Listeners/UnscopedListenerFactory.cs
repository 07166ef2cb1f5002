using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>
/// Builds a listener without a DI scope, for a listener class whose instance cannot differ from what its delivery's
/// scope would give: registered by Eventing as transient, not disposable, with one public constructor whose every
/// parameter is a singleton. Such a listener is built from the singletons, resolved once, with a new instance per
/// delivery as before; a delivery then opens a scope only if its handler or a pipeline asks for
/// <see cref="EventContext.Services"/>. Anything else — a scoped or transient dependency, an
/// <see cref="IServiceProvider"/> parameter, keyed services, <c>IEnumerable&lt;T&gt;</c>, a registration of the
/// user's own — keeps resolving from the delivery's scope, so the answer is never a guess.
/// </summary>
internal sealed class UnscopedListenerFactory
{
    private readonly ObjectFactory _factory;
    private readonly IServiceProvider _root;
    private readonly object?[] _arguments;

    private UnscopedListenerFactory(ObjectFactory factory, IServiceProvider root, object?[] arguments)
    {
        _factory = factory;
        _root = root;
        _arguments = arguments;
    }

    /// <summary>A new listener instance.</summary>
    public object Create() => _factory(_root, _arguments);

    /// <summary>The factory for <paramref name="listenerType"/>, or null when its instance must come from a scope.</summary>
    /// <param name="listenerType">The listener class.</param>
    /// <param name="services">The registrations the provider was built from.</param>
    /// <param name="root">The root provider, which resolves the singletons.</param>
    public static UnscopedListenerFactory? TryCreate(Type listenerType, IReadOnlyList<ServiceDescriptor> services, IServiceProvider root)
    {
        if (typeof(IDisposable).IsAssignableFrom(listenerType) || typeof(IAsyncDisposable).IsAssignableFrom(listenerType))
        {
            // The scope disposes a disposable transient when the delivery ends.
            return null;
        }

        if (Last(services, listenerType) is not { Lifetime: ServiceLifetime.Transient } registration || registration.ImplementationType != listenerType)
        {
            return null;
        }

        var constructors = listenerType.GetConstructors();
        if (constructors.Length != 1)
        {
            // The container and ActivatorUtilities choose among constructors by different rules.
            return null;
        }

        var parameters = constructors[0].GetParameters();
        var types = new Type[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!IsSingleton(parameters[i], services))
            {
                return null;
            }

            types[i] = parameters[i].ParameterType;
        }

        var arguments = Array.ConvertAll(types, type => (object?)root.GetRequiredService(type));
        return new UnscopedListenerFactory(ActivatorUtilities.CreateFactory(listenerType, types), root, arguments);
    }

    private static bool IsSingleton(ParameterInfo parameter, IReadOnlyList<ServiceDescriptor> services)
    {
        if (parameter.GetCustomAttributes(inherit: true).Length > 0)
        {
            // [FromKeyedServices] and its like change what the container resolves.
            return false;
        }

        var type = parameter.ParameterType;
        var registration = Last(services, type);
        if (registration is null && type.IsConstructedGenericType)
        {
            // ILogger<T>, IOptions<T>: an open generic registration serves the closed type.
            registration = Last(services, type.GetGenericTypeDefinition());
        }

        return registration is { Lifetime: ServiceLifetime.Singleton };
    }

    // The container resolves a single service from the last registration of its type.
    private static ServiceDescriptor? Last(IReadOnlyList<ServiceDescriptor> services, Type type)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i] is { IsKeyedService: false } candidate && candidate.ServiceType == type)
            {
                return candidate;
            }
        }

        return null;
    }
}
