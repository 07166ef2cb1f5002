namespace Eventing.Providers;

/// <summary>
/// The rules every provider applies to its endpoint options: <c>Uri</c> is the first node, <c>Endpoints</c> adds
/// the others of the same cluster, and the user, password, virtual host and TLS scheme are the same on all of them.
/// </summary>
internal static class EndpointList
{
    /// <summary><paramref name="primary"/> first, then each of <paramref name="others"/> not already listed.</summary>
    public static IReadOnlyList<Uri> Collect(Uri primary, IEnumerable<Uri>? others)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var all = new List<Uri> { primary };
        foreach (var uri in others ?? [])
        {
            if (uri is not null && !all.Exists(known => SameNode(known, uri)))
            {
                all.Add(uri);
            }
        }

        return all;
    }

    /// <summary>
    /// <paramref name="primary"/> as seen on another node: its scheme, credentials and path, the host and port of
    /// <paramref name="node"/>. <paramref name="primary"/> itself when <paramref name="node"/> is it.
    /// </summary>
    public static Uri OnNode(Uri primary, Uri node)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(node);
        return ReferenceEquals(primary, node) ? primary : new UriBuilder(primary) { Host = node.Host, Port = node.IsDefaultPort ? -1 : node.Port }.Uri;
    }

    /// <summary>
    /// Adds a failure per entry of <paramref name="others"/> that is not an absolute URI with the scheme of
    /// <paramref name="primary"/>, or that names another user or virtual host, and one for an undefined
    /// <paramref name="order"/>. Values are never echoed: a URI can hold a password.
    /// </summary>
    /// <param name="failures">Where failures are added.</param>
    /// <param name="optionsName">The options class, e.g. <c>RabbitMqProviderOptions</c>.</param>
    /// <param name="primary">The first endpoint (the options' <c>Uri</c>), already validated on its own.</param>
    /// <param name="others">The options' <c>Endpoints</c>.</param>
    /// <param name="order">The options' <c>EndpointOrder</c>.</param>
    /// <param name="compareVirtualHost">Whether the URI path is a virtual host that must agree (not for AMQP 1.0).</param>
    public static void Validate(ICollection<string> failures, string optionsName, Uri primary, IEnumerable<Uri>? others, EndpointOrder order, bool compareVirtualHost)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(primary);
        if (!Enum.IsDefined(order))
        {
            failures.Add($"{optionsName}.EndpointOrder is {order}; it must be Shuffled or InOrder.");
        }

        var index = 0;
        foreach (var uri in others ?? [])
        {
            var name = $"{optionsName}.Endpoints[{index++}]";
            if (uri is null || !uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.Host) || !uri.OriginalString.Contains("://", StringComparison.Ordinal))
            {
                failures.Add($"{name} is {(uri is null ? "null" : "not an absolute scheme://host:port URI (its value is not shown: it may hold a password)")}; give each further node as e.g. {primary.Scheme}://host:port.");
                continue;
            }

            if (!string.Equals(uri.Scheme, primary.Scheme, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{name} uses scheme {uri.Scheme} but {optionsName}.Uri uses {primary.Scheme}; all nodes of a cluster are reached the same way (TLS on all or none).");
            }

            if (uri.UserInfo.Length > 0 && !string.Equals(uri.UserInfo, primary.UserInfo, StringComparison.Ordinal))
            {
                failures.Add($"{name} names other credentials than {optionsName}.Uri; the credentials of Uri (or UserName and Password) are used on every node, so leave them out of Endpoints.");
            }

            if (compareVirtualHost && uri.AbsolutePath is not ("" or "/") && !string.Equals(uri.AbsolutePath, primary.AbsolutePath, StringComparison.Ordinal))
            {
                failures.Add($"{name} names another virtual host than {optionsName}.Uri; the virtual host of Uri is used on every node, so leave the path out of Endpoints.");
            }
        }
    }

    private static bool SameNode(Uri a, Uri b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase);
}
