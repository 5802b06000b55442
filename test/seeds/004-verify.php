<?php
// Seed 004's PHP WebhookHandler::verifySignature, unchanged (the class trimmed to it); the driver
// below is added so the loopback receiver can run it: raw body on stdin, the X-Webhook-Signature
// value and the secret as arguments, prints true or false.

class WebhookHandler {
    private $secret;
    private $apiToken;
    private $apiBase = 'https://api.yourwhatsappapi.com/api';
    
    public function __construct($secret, $apiToken) {
        $this->secret = $secret;
        $this->apiToken = $apiToken;
    }
    
    public function verifySignature($payload, $signature) {
        $expectedSignature = 'sha256=' . hash_hmac('sha256', $payload, $this->secret);
        return hash_equals($signature, $expectedSignature);
    }
}

$webhookHandler = new WebhookHandler($argv[2], '');
$payload = file_get_contents('php://stdin');
$signature = $argv[1];
echo $webhookHandler->verifySignature($payload, $signature) ? 'true' : 'false';
