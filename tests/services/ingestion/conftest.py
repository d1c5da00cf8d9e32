import pytest


@pytest.fixture
def client(ingestion_app, redis):
    return ingestion_app.test_client()
