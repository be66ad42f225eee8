using System.Text.Json;
using System.Text.Json.Nodes;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The examples one feature contributes to the OpenAPI document, next to its endpoints. They are found by
/// reflection, so no central file lists the features and a new endpoint is a one-folder change.
/// </summary>
public interface IOpenApiExamples
{
    void AddTo(OpenApiExampleSet examples);
}

/// <summary>What the features contribute, by the key the document filter looks them up with.</summary>
public sealed class OpenApiExampleSet
{
    /// <summary>Request bodies by record type.</summary>
    public Dictionary<Type, object> Requests { get; } = [];

    /// <summary>Request bodies that differ per operation (same record, another caller).</summary>
    public Dictionary<string, object> RequestsByOperation { get; } = [];

    /// <summary>Success bodies by record type.</summary>
    public Dictionary<Type, object> Responses { get; } = [];

    /// <summary>Success bodies that differ per operation and status.</summary>
    public Dictionary<(string Operation, int Status), object> ResponsesByOperation { get; } = [];

    /// <summary>Invalid inputs whose real validation messages make the <c>validation_failed</c> examples.</summary>
    public Dictionary<Type, object> InvalidRequests { get; } = [];

    /// <summary>Validation answers of handlers that check a value themselves.</summary>
    public Dictionary<string, Dictionary<string, string[]>> ValidationErrorsByOperation { get; } = [];

    /// <summary>Examples of path and query parameters by name.</summary>
    public Dictionary<string, object> Parameters { get; } = [];
}

/// <summary>
/// The examples of the OpenAPI document: one consistent story (Kita Sonnenschein, Julia Schneider and her
/// children Mia and Leon), built from the real request and response records and serialised with the
/// service's JSON options, so a renamed field or enum value changes the examples with it. This class holds
/// the story's shared facts; each feature's <see cref="IOpenApiExamples"/> adds its bodies and parameters.
/// That every body, answer and parameter has an example is a test (OpenApiCompletenessTests), not a
/// check during document generation.
/// </summary>
public static class OpenApiExamples
{
    public static readonly Guid FacilityId = Guid.Parse("0193a5f2-7c1e-7b3a-9d4e-2f6a8c1b3d5e");
    public static readonly Guid OperatorId = Guid.Parse("0193a5f1-2d3e-7f40-8a51-6b7c8d9e0f1a");
    public static readonly Guid AdminId = Guid.Parse("0193a5f2-8a10-7c44-a1b2-3c4d5e6f7a80");
    public static readonly Guid EducatorId = Guid.Parse("0193a5f2-8a55-7d10-b2c3-4d5e6f7a8b91");
    public static readonly Guid ChildId = Guid.Parse("0193a5f3-1b2c-7d3e-8f40-5a6b7c8d9e0f");
    public static readonly Guid SiblingId = Guid.Parse("0193a5f3-2c3d-7e4f-9051-6b7c8d9e0f1a");
    public static readonly Guid GuardianId = Guid.Parse("0193a5f3-3d4e-7f50-a162-7c8d9e0f1a2b");
    public static readonly Guid PinPairId = Guid.Parse("0193a5f4-5f60-7172-8384-9e0f1a2b3c4d");
    public static readonly Guid Pin2MessageId = Guid.Parse("0193a5f4-6071-7283-9495-a0f1b2c3d4e5");
    public static readonly Guid AccountId = Guid.Parse("0193a5f5-7182-7394-a5b6-c7d8e9f0a1b2");

    public const string FacilityName = "Kita Sonnenschein";
    public const string ParentEmail = "julia.schneider@example.com";
    public const string ParentPassword = "Sonnenblume-Garten-2026";
    public const string AdminEmail = "anna.becker@kita-sonnenschein.example";
    public const string Pin1 = "7KQ4-M9XD";
    public const string Pin2 = "R3VN-8HWC";
    public const string MfaChallenge = "Yb2nQ8vLx4Tz7Kp1Wc9Rf3Hd6Jm0Sa5Ge8Uq2Io4Ek1";
    public const string TraceId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    public const string AccessToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzYTVmNS03MTgyLTczOTQtYTViNi1jN2Q4ZTlmMGExYjIiLCJyb2xlIjoicGFyZW50In0.3q8Bq0m1cYc4x9oQ7nKxV2n5mJb8Zr0tWl6eH1sFkPA";
    public const string StaffAccessToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzYTVmMi04YTEwLTdjNDQtYTFiMi0zYzRkNWU2ZjdhODAiLCJyb2xlIjoiYWRtaW4ifQ.Vt5oW1d8sNq3Xk7yZr2cE9bL4mF6hJ0gPa1uTi8vQwE";
    public const string RefreshToken = "kR7wq2VnT9xY4bLm8cZp1sJd6fHg3aQe5uWo0iNt7yE";

    public static readonly DateTimeOffset FacilityCreated = At("2026-11-02T08:00:00Z");
    public static readonly DateTimeOffset ChildCreated = At("2026-11-20T09:00:00Z");
    public static readonly DateTimeOffset PinsCreated = At("2026-11-24T09:15:00Z");
    public static readonly DateTimeOffset PinsExpire = At("2026-12-08T09:15:00Z");
    public static readonly DateTimeOffset Registered = At("2026-11-24T18:42:10Z");
    public static readonly DateTimeOffset SiblingLinked = At("2026-11-25T07:30:00Z");

    private static readonly JsonSerializerOptions s_json = CreateOptions();

    // Last: the features' examples read the story above while they are collected.
    private static readonly OpenApiExampleSet s_examples = Collect();

    /// <summary>Every request body example (tests check that each passes its validator).</summary>
    internal static IEnumerable<object> AllRequestExamples => s_examples.Requests.Values.Concat(s_examples.RequestsByOperation.Values);

    /// <summary>The request types with an invalid example for the <c>validation_failed</c> answer.</summary>
    internal static IEnumerable<Type> InvalidRequestTypes => s_examples.InvalidRequests.Keys;

    public static JsonNode? Request(string operationId, Type type) =>
        ToNode(s_examples.RequestsByOperation.GetValueOrDefault(operationId) ?? s_examples.Requests.GetValueOrDefault(type));

    public static JsonNode? Response(string operationId, int status, Type type) =>
        ToNode(s_examples.ResponsesByOperation.GetValueOrDefault((operationId, status)) ?? s_examples.Responses.GetValueOrDefault(type));

    public static JsonNode? Parameter(string name) => ToNode(s_examples.Parameters.GetValueOrDefault(name));

    /// <summary>The <c>errors</c> of a validation answer: the validator's real messages for an invalid example.</summary>
    public static IDictionary<string, string[]>? ValidationErrors(string operationId, Type? requestType, IServiceProvider services)
    {
        if (s_examples.ValidationErrorsByOperation.TryGetValue(operationId, out var fixedErrors))
        {
            return fixedErrors;
        }
        if (requestType is null || !s_examples.InvalidRequests.TryGetValue(requestType, out var invalid)
            || services.GetService(typeof(FluentValidation.IValidator<>).MakeGenericType(requestType)) is not FluentValidation.IValidator validator)
        {
            return null;
        }
        var context = (FluentValidation.IValidationContext)Activator.CreateInstance(
            typeof(FluentValidation.ValidationContext<>).MakeGenericType(requestType), invalid)!;
        var result = validator.Validate(context);
        return result.IsValid ? null : result.ToDictionary();
    }

    public static JsonNode? ToNode(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), s_json);

    public static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

    private static OpenApiExampleSet Collect()
    {
        var set = new OpenApiExampleSet();
        var sources = typeof(OpenApiExamples).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IOpenApiExamples).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var source in sources)
        {
            ((IOpenApiExamples)Activator.CreateInstance(source)!).AddTo(set);
        }
        return set;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        HttpSetup.Configure(options);
        return options;
    }
}
