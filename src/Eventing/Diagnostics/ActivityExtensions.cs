using System.Diagnostics;

namespace Eventing.Diagnostics;

/// <summary>How Eventing marks a span failed, the same way on every path.</summary>
internal static class ActivityExtensions
{
    /// <summary>Records <paramref name="exception"/> as an event, sets <c>error.type</c> and the error status.</summary>
    public static void Fail(this Activity activity, Exception exception)
    {
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.AddException(exception);
        activity.SetTag(MessagingAttributes.ErrorType, exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }
}
