namespace SessionPropagation;

/// <summary>The user session of the current request or delivery, flowing with async calls like HttpContextAccessor.</summary>
public sealed class SessionAccessor
{
    private readonly AsyncLocal<string?> _current = new();

    public string? Current
    {
        get => _current.Value;
        set => _current.Value = value;
    }
}
