"""Gradio entry point: `python app.py` (or `make run`) starts Gnist-assistenten on settings' host/port."""

from assistant.settings import Settings
from assistant.ui.launch import launch

if __name__ == "__main__":
    launch(Settings())
