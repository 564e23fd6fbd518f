"""apkgen's domain library: deployed with the Lambda functions and shared by the build runner.

Modules: ``settings`` (read once from the environment), ``errors`` (one root, AWS codes kept),
``protocol`` (the messages viewers receive), and the stores over S3, SQS and DynamoDB.
"""
