using Npgsql;

namespace KitaLink.Api.Infrastructure.Data;

/// <summary>
/// Tells "PostgreSQL is away" (refused or lost connections, an administrator's or crash shutdown, a server
/// that does not accept connections yet, the pool or a command timing out) from a bug. The former is
/// answered 503 <c>service_unavailable</c> with <c>Retry-After</c> and logged as one warning line naming the
/// cause; the latter stays a 500 with its stack trace. EF Core and Data Protection wrap the Npgsql exception
/// (<c>DbUpdateException</c>, the retrying strategy's <c>RetryLimitExceededException</c>,
/// <c>InvalidOperationException</c> "transient failure"), so the whole chain of inner exceptions is searched.
/// </summary>
public static partial class DatabaseUnavailable
{
    /// <summary>Seconds a client is asked to wait (<c>Retry-After</c>): a PostgreSQL restart takes about this long.</summary>
    public const int RetryAfterSeconds = 2;

    private static readonly object s_marker = new();

    /// <summary>The cause, e.g. <c>SocketException: Connection refused</c> or <c>PostgresException 57P01</c>; null when the database is not the problem.</summary>
    public static string? Cause(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Cause).FirstOrDefault(c => c is not null);
            }
            if (current is PostgresException postgres)
            {
                return IsUnavailableState(postgres.SqlState) ? $"PostgresException {postgres.SqlState}: {postgres.MessageText}" : null;
            }
            if (current is NpgsqlException { IsTransient: true } npgsql)
            {
                // Socket, I/O and timeout failures (connect, pool wait, command timeout, broken connection).
                var inner = npgsql.InnerException;
                return inner is null or NpgsqlException
                    ? $"{npgsql.GetType().Name}: {npgsql.Message}"
                    : $"{inner.GetType().Name}: {inner.Message}";
            }
        }
        return null;
    }

    /// <summary>
    /// Server states that mean "not reachable right now": connection exceptions (class 08), administrator,
    /// crash and starting-up shutdowns (57P01–57P03), too many connections (53300).
    /// Deadlocks and serialisation failures are not outages and are not listed.
    /// </summary>
    internal static bool IsUnavailableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections;

    /// <summary>Remembers for the rest of the request that authentication could not reach the database.</summary>
    public static void Mark(HttpContext context, string cause) => context.Items[s_marker] = cause;

    /// <summary>The cause <see cref="Mark"/> remembered, if any.</summary>
    public static string? MarkedCause(HttpContext context) => context.Items.TryGetValue(s_marker, out var cause) ? cause as string : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable for {Method} {Path}; answered 503: {Cause}")]
    public static partial void Log(ILogger logger, string method, string path, string cause);
}
