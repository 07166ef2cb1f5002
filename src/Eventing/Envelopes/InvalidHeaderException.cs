namespace Eventing;

/// <summary>A header name or value breaks the CloudEvents rules Eventing enforces (see docs/wire.md in the repository).</summary>
public sealed class InvalidHeaderException : ArgumentException
{
    /// <summary>Creates the exception for header <paramref name="header"/>.</summary>
    public InvalidHeaderException(string? header, string problem)
        : base($"Header '{header}' is not valid: {problem}.")
    {
        Header = header;
    }

    /// <summary>The offending header name.</summary>
    public string? Header { get; }
}
