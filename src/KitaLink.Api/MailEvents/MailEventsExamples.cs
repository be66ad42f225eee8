using System.Text.Json;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.MailEvents;

/// <summary>OpenAPI examples of the provider endpoint: an Amazon SES bounce as SNS posts it.</summary>
internal sealed class MailEventsExamples : IOpenApiExamples
{
    private const string SesBounce = """
        {"notificationType":"Bounce","bounce":{"feedbackId":"0100019371c2e2a7-fe2b1c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-000000","bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"julia.schneider@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2026-11-24T09:19:02.000Z"},"mail":{"timestamp":"2026-11-24T09:15:03.000Z","source":"bounces+k7m2q4x9w3b5n8c6v2z4t7r5ya@bounce.kita.example","messageId":"0100019371c2d8f1-5e2a7b0c-1d2e-4f3a-9b8c-7d6e5f4a3b2c-000000","destination":["julia.schneider@example.com"],"commonHeaders":{"messageId":"<0193a5f4607172839495a0f1b2c3d4e5@kita.example>"}}}
        """;

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.RequestsByOperation["receiveMailEvents"] = JsonSerializer.Deserialize<JsonElement>(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = "6f2b0d4e-8c1a-5b3e-9f7d-2a4c6e8b0d1f",
            ["TopicArn"] = "arn:aws:sns:eu-central-1:123456789012:kitalink-ses",
            ["Message"] = SesBounce.Trim(),
            ["Timestamp"] = "2026-11-24T09:19:03.000Z",
            ["SignatureVersion"] = "1",
            ["Signature"] = "EXAMPLE",
            ["SigningCertURL"] = "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-example.pem",
        }));
        examples.Responses[typeof(MailEventsReceipt)] = new MailEventsReceipt(1, 0, 0, 0);
        examples.Parameters["provider"] = "ses";
    }
}
