namespace Eventing.Conformance;

/// <summary>Which connection settings a target gives its provider.</summary>
public enum ConnectionMode
{
    /// <summary>The running test broker with valid credentials.</summary>
    Normal,

    /// <summary>The running test broker with a password it refuses.</summary>
    WrongCredentials,

    /// <summary>An endpoint where nothing listens.</summary>
    Unreachable,
}
