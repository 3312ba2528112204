"""The web faces: a FastAPI REST API and a Gradio chat on one server, feedback and gaps."""
