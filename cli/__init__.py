"""The thin front ends: Typer CLI, Gradio app and batch entry. They translate, never compute."""
