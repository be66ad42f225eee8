using System.Text.Json.Nodes;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Webhooks;

/// <summary>
/// The OpenAPI 3.1 <c>webhooks</c> section: one entry per event type, the request KitaLink sends (the signature
/// headers and the payload with an example). Registered by <see cref="WebhooksSetup"/>, so the feature documents itself.
/// </summary>
internal sealed class WebhooksDocumentFilter : IDocumentFilter
{
    private static readonly Dictionary<string, Type> s_dataTypes = new()
    {
        [WebhookEventTypes.PinPairCreated] = typeof(PinPairEventData),
        [WebhookEventTypes.PinPairRevoked] = typeof(PinPairEventData),
        [WebhookEventTypes.PinPairLocked] = typeof(PinPairEventData),
        [WebhookEventTypes.PinPairExpired] = typeof(PinPairEventData),
        [WebhookEventTypes.Pin2MailSent] = typeof(Pin2MailEventData),
        [WebhookEventTypes.Pin2MailFailed] = typeof(Pin2MailEventData),
        [WebhookEventTypes.Pin2MailBounced] = typeof(Pin2MailEventData),
        [WebhookEventTypes.Pin2MailDeferred] = typeof(Pin2MailEventData),
        [WebhookEventTypes.GuardianLinked] = typeof(GuardianLinkedData),
        [WebhookEventTypes.ChildLinkArchived] = typeof(ChildLinkArchivedData),
        [WebhookEventTypes.GuardianEmailChanged] = typeof(GuardianEmailChangedData),
        [WebhookEventTypes.WebhookTest] = typeof(WebhookTestData),
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var (type, dataType) in s_dataTypes)
        {
            var description = WebhookEventTypes.Descriptions.GetValueOrDefault(type)
                ?? "Sent on request to one endpoint (`POST .../test`); it cannot be subscribed to.";
            var operation = new OpenApiOperation
            {
                OperationId = "webhook_" + type.Replace('.', '_'),
                Summary = type,
                Description = description + " Signed per Standard Webhooks; answer 2xx within the timeout, retried with backoff otherwise (docs/integrators.md, \"Webhooks\").",
                Tags = new HashSet<OpenApiTagReference> { new("Webhook events", document) },
                Parameters =
                [
                    Header("webhook-id", "The event's id (`evt_…`), the same on every retry and replay: de-duplicate by it.", "evt_0193a5f45f6170008000" + "9e0f1a2b3c4d"),
                    Header("webhook-timestamp", "Unix time in seconds of this attempt; refuse requests far from your clock (e.g. 5 minutes).", "1764006130"),
                    Header("webhook-signature", "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the base64 key after `whsec_` of the endpoint's secret; several space-separated signatures may follow.",
                        "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
                ],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, IOpenApiMediaType>
                    {
                        ["application/json"] = new OpenApiMediaType
                        {
                            Schema = Envelope(type, context.SchemaGenerator.GenerateSchema(dataType, context.SchemaRepository)),
                            Example = OpenApiExamples.ToNode(WebhooksExamples.Payload(type)),
                        },
                    },
                },
                // Sent by KitaLink, not called by a client: the receiver checks the signature, not a token.
                Security = [],
                Responses = new OpenApiResponses
                {
                    ["2XX"] = new OpenApiResponse { Description = "Received. Any 2xx answer counts; its body is ignored." },
                    ["4XX"] = new OpenApiResponse { Description = "Refused (e.g. the signature did not verify): retried like any failure, so fix the cause or disable the endpoint." },
                    ["default"] = new OpenApiResponse { Description = "Not received (5xx, redirect, timeout): retried with exponential backoff for 24 hours." },
                },
            };
            document.Webhooks[type] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        }
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag
        {
            Name = "Webhook events",
            Description = "What KitaLink sends to the endpoints of `/api/v1/facility/webhooks` and `/api/v1/webhooks`: one POST per event and endpoint, signed per Standard Webhooks. No ordering is guaranteed; use `timestamp` and the ids.",
        });
    }

    private static OpenApiSchema Envelope(string type, IOpenApiSchema data) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "id", "type", "version", "timestamp", "facilityId", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Equals the `webhook-id` header.", Pattern = "^evt_[0-9a-f]{32}$" },
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = type },
            ["version"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "Payload version; a change that is not an addition gets a new one." },
            ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When it happened." },
            ["facilityId"] = new OpenApiSchema
            {
                Type = type == WebhookEventTypes.WebhookTest ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String,
                Format = "uuid",
                Description = type == WebhookEventTypes.WebhookTest ? "The facility; null for a test of an operator endpoint." : "The facility it happened in.",
            },
            ["data"] = data,
        },
    };

    private static OpenApiParameter Header(string name, string description, string example) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        Example = JsonValue.Create(example),
    };
}
