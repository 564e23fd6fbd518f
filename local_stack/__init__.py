"""The whole apkgen stack on one machine: ``python -m local_stack`` (= ``make dev``).

``resources.create_resources`` creates the bucket, queues and tables against moto (its server,
or ``mock_aws`` in tests) exactly as the deployment creates them on AWS.
"""
